"""Cognito's Lambda triggers, as the domain sees them: where they fire, the events they get
(Lambda's JSON shape, exactly as Cognito builds it) and how their answers are applied.

The domain never runs a trigger itself. It hands an event to the
:class:`~authpool.domain.hooks.protocol.TriggerRuntime` in ``Services.triggers``
(:mod:`authpool.triggers` implements it: Python callables and signed webhooks) and turns
the runtime's failures into Cognito's errors (:mod:`.invoke`).

=========================== ===================================================== =========
module                      triggers                                              fired by
=========================== ===================================================== =========
:mod:`.sign_up`             PreSignUp, PostConfirmation                           sign-up,
                                                                                  confirm
:mod:`.auth`                PreAuthentication, PostAuthentication, UserMigration  sign-in
:mod:`.tokens`              PreTokenGeneration (V1_0, V2_0, V3_0)                 tokens
:mod:`.messages`            CustomMessage, CustomSMSSender, CustomEmailSender     codes
:mod:`.challenges`          DefineAuthChallenge, CreateAuthChallenge,             CUSTOM_AUTH
                            VerifyAuthChallengeResponse
=========================== ===================================================== =========

This package imports nothing at import time, so that :mod:`authpool.domain.context` can
import :mod:`.protocol` without a cycle.
"""
