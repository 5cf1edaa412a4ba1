"""Local stand-ins for outside providers, for tests and the demo: an SMTP sink
(tools.doubles.smtp) and a double of Alibaba Cloud SMS's SendSms HTTP API
(tools.doubles.sms). Each runs as `python -m tools.doubles.<name> --port N`."""
