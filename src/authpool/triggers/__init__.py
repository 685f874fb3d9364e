"""Cognito's Lambda triggers, run by authpool: a Python callable in the server process or an
HTTP webhook, in place of an AWS Lambda function.

A pool's LambdaConfig names each trigger's target, exactly as Cognito's does:

``arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up``
    A real Lambda ARN (Terraform, CloudFormation and the Amplify CLI write these). The
    server's trigger map says what runs in its place, so pool definitions move over
    unchanged. An ARN nobody mapped is stored (Cognito does not look functions up either)
    and fails when it fires, with UnexpectedLambdaException.
``python:package.module:function``
    ``function(event, context)`` — the handler you deployed to Lambda, unchanged — imported
    from the server's Python path. A pool may name a module directly only if the server
    lists it (or a package above it) in its allowed modules; the map may name any.
``https://triggers.example.com/pre-sign-up``
    A webhook: authpool POSTs the event and takes the answer's body as the handler's
    result. ``http://`` is accepted for a loopback host (or in the operator's map).

Server configuration (environment, read once at start-up)::

    AUTHPOOL_TRIGGER_MAP='{"arn:aws:lambda:us-east-1:123456789012:function:pre-sign-up":
                           "python:myapp.triggers:pre_sign_up",
                           "custom-message-prod": "https://hooks.internal/custom-message",
                           "arn:aws:lambda:*:*:function:shop-*": "python:shop.triggers:handler"}'
    AUTHPOOL_TRIGGER_MAP_FILE=/etc/authpool/triggers.json   # the same object, from a file
    AUTHPOOL_TRIGGER_WEBHOOK_SECRET=…                        # signs webhook requests (16+ chars)
    AUTHPOOL_TRIGGER_PYTHON_MODULES=myapp.triggers,shop      # modules pools may name ("*": any)
    AUTHPOOL_TRIGGER_TIMEOUT=5                               # seconds (Cognito's limit is 5)
    AUTHPOOL_TRIGGER_ATTEMPTS=3                              # tries of a webhook (Cognito: 3)

Map keys are full ARNs (with or without a version or alias qualifier), bare function names
(any region, account and qualifier) or glob patterns over the ARN.

Python handlers
    Get the event as a fresh ``dict`` and a context like Lambda's
    (:class:`~authpool.triggers.context.LambdaContext`: ``function_name``,
    ``invoked_function_arn``, ``aws_request_id``, ``get_remaining_time_in_millis()``, …);
    ``async def`` handlers are awaited. They return the event with ``response`` filled in
    (anything JSON can carry). An exception is the handler's error: the caller gets
    UserLambdaValidationException ``"<Trigger> failed with error <str(exception)>."``.
    Handlers run on a thread of their own; keep them thread-safe.

Webhooks
    ``POST`` with ``Content-Type: application/json``; the body is the event. Headers::

        X-Authpool-Timestamp: 1767225600           (Unix seconds)
        X-Authpool-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>
        X-Authpool-Trigger: PreSignUp
        X-Authpool-Request-Id: <uuid>              (the context's aws_request_id)
        X-Authpool-Deadline-Ms: <Unix ms>          (when authpool stops waiting)

    The scheme is the one of authpool's SMS webhook: verify it with
    :func:`authpool.delivery.sms_webhook.verify_signature` (or the three steps described
    there) before trusting the body. Answer ``200`` with the event, response filled in. To
    refuse (a handler error), answer any non-2xx status with Lambda's error shape
    ``{"errorMessage": "…", "errorType": "…"}``. Any other non-2xx answer, or no connection,
    is an invocation failure (UnexpectedLambdaException). As Cognito retries a Lambda
    trigger that gives no answer, an attempt that gets none — no connection, no answer
    within the time limit, a 5xx status without the error shape — is made again, up to
    three attempts (``AUTHPOOL_TRIGGER_ATTEMPTS``), each under the time limit, the last
    failure reported; so a caller waits at most 15 s. A refusal, a 4xx status or an answer
    that is not JSON is final. The attempts of one invocation carry the same
    ``X-Authpool-Request-Id``: a receiver with side effects can tell a retry. Redirects are
    not followed; answers over 1 MiB are refused.

Time limit and failures, as Cognito reports them
    A handler that does not answer within the limit (a webhook: in its last attempt):
    UnexpectedLambdaException ``"<Trigger> invocation failed due to error Socket timeout
    while invoking Lambda function."``; an answer that is not JSON:
    InvalidLambdaResponseException ``"Invalid lambda function output : Invalid JSON"``;
    JSON of the wrong shape:
    InvalidLambdaResponseException ``"Unrecognizable lambda output"``. An overrunning
    handler cannot be stopped; it finishes in the background, and at most
    ``max_concurrency`` (64) handlers run at once — beyond that, invocations fail at once
    with ``TooManyRequestsException`` as Lambda throttles.

Custom sender triggers (CustomSMSSender, CustomEmailSender) get the code itself in
``request.code``: authpool has no KMS to encrypt it with (see
:mod:`authpool.domain.hooks.messages`).
"""

from authpool.triggers.context import LambdaContext
from authpool.triggers.runtime import DEFAULT_TIMEOUT, TriggerRunner, TriggerSettings
from authpool.triggers.targets import TargetError, TargetMap

__all__ = [
    "DEFAULT_TIMEOUT",
    "LambdaContext",
    "TargetError",
    "TargetMap",
    "TriggerRunner",
    "TriggerSettings",
]
