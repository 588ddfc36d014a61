"""The REST API: stage settings, CORS, access logs, edge errors, the WAF, and routes built from spec.ROUTES."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra import edge_errors, spec
from infra.firewall import RequestFirewall
from infra.logs import retained_log_group
from infra.nag import acknowledge
from infra.settings import Settings
from talentpool import errors

# Headers a browser may send cross-origin: the form's content type and the capture idempotency key.

# Request bodies the 405 mock integration maps (API Gateway picks a mapping template by the request's content type).
MOCK_MEDIA_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
    "application/xml",
)

EDGE_RESPONSES: tuple[tuple[apigw.ResponseType, errors.TalentpoolError], ...] = (
    (apigw.ResponseType.UNAUTHORIZED, edge_errors.UNAUTHENTICATED),
    (apigw.ResponseType.ACCESS_DENIED, edge_errors.FORBIDDEN),
    (apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, edge_errors.NO_SUCH_ROUTE),
    (apigw.ResponseType.REQUEST_TOO_LARGE, edge_errors.BODY_TOO_LARGE),
    (apigw.ResponseType.THROTTLED, edge_errors.TOO_MANY_REQUESTS),
)


class PublicApi(Construct):
    """Created before the functions (they need its URL); `add_routes` attaches them afterwards."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, user_pool: cognito.IUserPool
    ) -> None:
        super().__init__(scope, construct_id)
        self._settings = settings
        self._user_pool = user_pool
        self._authorizer: apigw.CognitoUserPoolsAuthorizer | None = None
        access_logs = retained_log_group(self, "AccessLogs", settings.log_retention_days)
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{Stack.of(self).stack_name}-api",
            description="Talentpool: public capture and consent pages, and the recruiter API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            deploy_options=apigw.StageOptions(
                stage_name=settings.api_stage,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=_access_log_format(),
                throttling_rate_limit=settings.api_rate_limit,
                throttling_burst_limit=settings.api_burst_limit,
                tracing_enabled=True,
                metrics_enabled=True,
                # Errors only, and never request or response bodies: those carry candidate PII.
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
            ),
            # Execution logging needs the account-level API Gateway role; AWS keeps it after a destroy.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=[settings.careers_origin],
                allow_methods=sorted({route.method for route in spec.ROUTES}),
                allow_headers=list(spec.CORS_ALLOW_HEADERS),
                max_age=Duration.hours(1),
            ),
        )
        self._acknowledge_cloudwatch_role()
        acknowledge(
            self.rest_api,
            "APIG2",
            "No API Gateway request validator: the handlers validate every body and parameter with pydantic and "
            "answer with the error contract's field-level 422, the same in AWS and in make run; a gateway "
            "validator would answer differently in the two, and only in AWS.",
        )
        for response_type, error in EDGE_RESPONSES:
            self._edge_response(response_type, error)
        self.firewall: RequestFirewall | None = None
        if settings.waf_enabled:
            self.firewall = RequestFirewall(
                self,
                "Firewall",
                stage_arn=self.rest_api.deployment_stage.stage_arn,
                rate_limit=settings.waf_rate_limit,
            )
        else:
            acknowledge(
                self.rest_api.deployment_stage,
                "APIG3",
                "The operator turned WAF off (context waf_enabled=false, docs/deploy.md): the stage's throttling "
                "and the handlers' own limits remain; bodies over 64 KB are refused by the handlers.",
            )

    @property
    def base_url(self) -> str:
        """The stage URL built from the API id and the stage *name*, not api.url.

        api.url references the stage, which depends on every method, which depends on the functions:
        a function whose environment used it would depend on itself.
        """
        stack = Stack.of(self)
        return (
            f"https://{self.rest_api.rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}"
            f"/{self._settings.api_stage}"
        )

    def add_routes(self, routes: Sequence[spec.RouteSpec], functions: Mapping[str, lambda_.IFunction]) -> None:
        """One method per route; resource_for_path reuses each path segment's resource, so the routes under
        /candidates/{candidate_id} all hang off the one {candidate_id} resource, as API Gateway requires."""
        check_path_variables(routes)
        for route in routes:
            resource = self.rest_api.root.resource_for_path(route.path)
            public = route.auth is spec.Auth.PUBLIC
            method = resource.add_method(
                route.method,
                # Test-invoke permissions would double the Lambda permissions for a console-only feature.
                apigw.LambdaIntegration(functions[route.function], proxy=True, allow_test_invoke=False),
                authorization_type=apigw.AuthorizationType.NONE if public else apigw.AuthorizationType.COGNITO,
                authorizer=None if public else self._recruiter_authorizer(),
            )
            if public:
                self._acknowledge_public(method)
        for path in dict.fromkeys(route.path for route in routes):
            self._refuse_other_methods(path, [route.method for route in routes if route.path == path])

    def _refuse_other_methods(self, path: str, methods: Sequence[str]) -> None:
        """ANY, which API Gateway picks only for a method the resource has no method of its own for (its CORS
        OPTIONS included): a 405 with Allow from a mock integration, as make run answers. Without it API Gateway
        would call the method a missing token, and the error responses a missing path (404)."""
        error = edge_errors.METHOD_NOT_ALLOWED
        status = str(edge_errors.status_of(error))
        allow = "method.response.header.Allow"
        method = self.rest_api.root.resource_for_path(path).add_method(
            "ANY",
            apigw.MockIntegration(
                # A mock answers the status its request template names; the one integration response turns that
                # into the error. A content type without a template is refused with 415, never passed through.
                request_templates={media: json.dumps({"statusCode": int(status)}) for media in MOCK_MEDIA_TYPES},
                passthrough_behavior=apigw.PassthroughBehavior.NEVER,
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code=status,
                        response_templates={"application/json": edge_errors.body_of(error)},
                        response_parameters={allow: f"'{edge_errors.allow_header(methods)}'"},
                    )
                ],
            ),
            method_responses=[apigw.MethodResponse(status_code=status, response_parameters={allow: True})],
            authorization_type=apigw.AuthorizationType.NONE,
        )
        reason = (
            "Answers only 405 Method Not Allowed from a mock integration, for a method the resource does not have: "
            "it reaches no function and no data, and says only which methods exist, as the Allow header must."
        )
        acknowledge(method, "APIG4", reason)
        acknowledge(method, "COG4", reason)

    def _recruiter_authorizer(self) -> apigw.CognitoUserPoolsAuthorizer:
        # Made on first use: API Gateway rejects an authorizer no method uses.
        if self._authorizer is None:
            self._authorizer = apigw.CognitoUserPoolsAuthorizer(
                self, "Recruiters", cognito_user_pools=[self._user_pool], results_cache_ttl=Duration.minutes(5)
            )
        return self._authorizer

    def _edge_response(self, response_type: apigw.ResponseType, error: errors.TalentpoolError) -> None:
        """API Gateway's own errors in the same JSON contract, readable by the careers site's browser."""
        self.rest_api.add_gateway_response(
            f"Edge-{error.code}",
            type=response_type,
            status_code=str(edge_errors.status_of(error)),
            templates={"application/json": edge_errors.body_of(error)},
            response_headers={"Access-Control-Allow-Origin": f"'{self._settings.careers_origin}'"},
        )

    def _acknowledge_public(self, method: apigw.Method) -> None:
        reason = (
            "Public by design (Auth.PUBLIC in infra/spec.py, listed in docs/deploy.md): the careers form, the "
            "emailed confirm link and the candidate pages are used without an account. Abuse is limited by WAF "
            "(size, rate, managed rules) and stage throttling; tokens in links are HMAC-signed. Recruiter routes "
            "use the Cognito authorizer."
        )
        acknowledge(method, "APIG4", reason)
        acknowledge(method, "COG4", reason)

    def _acknowledge_cloudwatch_role(self) -> None:
        role = self.rest_api.node.try_find_child("CloudWatchRole")
        if role is not None:
            acknowledge(
                role,
                "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                "The account-wide role API Gateway uses to write execution logs; AWS documents this managed "
                "policy for it, and API Gateway names the log groups itself, so a narrower policy cannot be written "
                "ahead of time.",
            )


def check_path_variables(routes: Sequence[spec.RouteSpec]) -> None:
    """Fail the synth, not the deploy: API Gateway allows one {variable} segment among siblings, so
    /candidates/{id} and /candidates/{candidate_id}/notes cannot both exist."""
    variables: dict[str, str] = {}
    for route in routes:
        segments = [segment for segment in route.path.split("/") if segment]
        for depth, segment in enumerate(segments):
            if segment.startswith("{"):
                parent = "/" + "/".join(segments[:depth])
                known = variables.setdefault(parent, segment)
                if known != segment:
                    raise ValueError(
                        f"{route.method} {route.path}: {segment} under {parent} must be named {known}, "
                        "like the other routes there (API Gateway allows one path variable per level)"
                    )


def _access_log_format() -> apigw.AccessLogFormat:
    """JSON (queryable in Logs Insights); caller IP is kept for abuse investigation and expires with retention."""
    fields = {
        "requestId": apigw.AccessLogField.context_request_id(),
        "time": apigw.AccessLogField.context_request_time(),
        "ip": apigw.AccessLogField.context_identity_source_ip(),
        "method": apigw.AccessLogField.context_http_method(),
        "resourcePath": apigw.AccessLogField.context_resource_path(),
        "status": apigw.AccessLogField.context_status(),
        "responseLength": apigw.AccessLogField.context_response_length(),
        "integrationLatency": apigw.AccessLogField.context_integration_latency(),
        "waf": apigw.AccessLogField.context_waf_response_code(),
        "user": apigw.AccessLogField.context_authorizer_claims("sub"),
        "error": apigw.AccessLogField.context_error_message(),
    }
    return apigw.AccessLogFormat.custom(json.dumps(fields))
