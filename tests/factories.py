"""Factories for the events, contexts and environments the tests feed to real handlers."""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "talentpool-test"
BUS = "talentpool"
SENDER = "talent@example.com"
CONFIG_SET = "talentpool"
BASE_URL = "https://talent.example.com"
SECRET_NAME = "talentpool/token-secret"

# One environment for every handler under test: the same names the local runtime and CDK provide.
ENVIRONMENT = {
    "TABLE_NAME": TABLE,
    "EVENT_BUS_NAME": BUS,
    "TOKEN_SECRET_ARN": SECRET_NAME,
    "SENDER_EMAIL": SENDER,
    "SES_CONFIGURATION_SET": CONFIG_SET,
    "PUBLIC_BASE_URL": BASE_URL,
    "IP_HASH_SALT": "test-salt",
    "WEB_ROOT": str(ROOT / "web"),
    "CONSENT_TEXT_VERSION": "2026-11",
    "CORS_ORIGIN": "https://careers.example.com",
    "IMPORTS_BUCKET": "talentpool-imports-test",
    "IMPORT_MAX_ROWS": "25000",
    "REPORTS_BUCKET": "talentpool-reports-test",
    "JWKS_URL": "https://auth.example.com/.well-known/jwks.json",
    "JWT_ISSUER": "https://auth.example.com",
    "JWT_AUDIENCE": "talentpool-test",
    # Two consumers' failure queues: one replayed to the queue it drains, one to its function.
    "FAILURE_QUEUES": json.dumps(
        {
            "ses_events": {
                "queue_url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/failures-ses_events",
                "kind": "queue",
                "target": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/ses-events-buffer",
            },
            "notify": {
                "queue_url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/failures-notify",
                "kind": "function",
                "target": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notify",
            },
        }
    ),
    "POWERTOOLS_METRICS_NAMESPACE": "Talentpool",
    "POWERTOOLS_SERVICE_NAME": "talentpool",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_DEV": "false",
}


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:test-function"
    aws_request_id: str = ""
    log_group_name: str = "/aws/lambda/test"
    log_stream_name: str = "test"

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


_IMPORT_LOCK = threading.Lock()


def load_handler(name: str) -> ModuleType:
    """Import functions/<name>/handler.py as its own module, the way Lambda would (once per process)."""
    module_name = f"talentpool_fn_{name}"
    with _IMPORT_LOCK:
        if module_name in sys.modules:
            return sys.modules[module_name]
        spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "handler.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.lambda_handler = _acting_as(name, module.lambda_handler)
        sys.modules[module_name] = module
        return module


def _acting_as(function: str, handler: Any) -> Any:
    """The handler, with its AWS calls checked against the function's spec grants (local/permissions.py)."""
    from local.permissions import acting_as

    @functools.wraps(handler)
    def checked(event: Any, context: Any) -> Any:
        with acting_as(function):
            return handler(event, context)

    return checked


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    raw_body: str | None = None,
    source_ip: str = "203.0.113.7",
    claims: dict[str, Any] | None = None,
    path_parameters: dict[str, str] | None = None,
    resource: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, as API Gateway or the local gateway builds it."""
    all_headers = {"User-Agent": "pytest-browser/1.0"}
    if form is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        raw_body = urlencode(form, doseq=True)
    elif body is not None:
        all_headers["Content-Type"] = "application/json"
        raw_body = json.dumps(body)
    all_headers.update(headers or {})
    context: dict[str, Any] = {
        "requestId": str(uuid.uuid4()),
        "stage": "prod",
        "httpMethod": method,
        "resourcePath": resource or path,
        "identity": {"sourceIp": source_ip, "userAgent": all_headers["User-Agent"]},
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "requestContext": context,
        "body": raw_body,
        "isBase64Encoded": False,
    }


def eventbridge_event(detail_type: str, detail: dict[str, Any], source: str = "talentpool") -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2026-11-26T09:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def capture_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": "ana.silva@example.com",
        "first_name": "Ana",
        "last_name": "Silva",
        "location": {"city": "Lisbon", "country": "PT", "timezone": "Europe/Lisbon"},
        "skills": ["Python", "AWS"],
        "years_experience": 6,
        "desired_roles": ["Backend engineer"],
        "interests": ["job_alerts", "events"],
        "consent": {"given": True, "text_version": "2026-11"},
        "source": {"channel": "careers_site", "utm_source": "linkedin", "utm_campaign": "autumn"},
    }
    body.update(overrides)
    return body


def response_json(response: dict[str, Any]) -> Any:
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)


RECRUITER = {"sub": "rec-1", "email": "rita@example.com", "cognito:groups": "recruiters"}
ADMIN = {"sub": "adm-1", "email": "alex@example.com", "cognito:groups": "recruiters,admins"}


def s3_object_created(bucket: str, key: str, etag: str, size: int, region: str) -> dict[str, Any]:
    """An S3 ObjectCreated:Put notification with one record, in the shape S3 sends to Lambda."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "bench"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex, "x-amz-id-2": uuid.uuid4().hex},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "bench",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "bench"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {"key": key, "size": size, "eTag": etag.strip('"'), "sequencer": uuid.uuid4().hex},
                },
            }
        ]
    }
