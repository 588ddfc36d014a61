"""What people see: the context each page, email and report template gets, built from models, and the report's
charts. No storage and no decisions here (that is logic/); markup lives in templates/, except the chart kit's SVG."""
