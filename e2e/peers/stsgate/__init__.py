"""stsgate: an AWS-like STS/IAM front for moto, for awsmfa's integration tests.

gate.py   the HTTP server (python3 -m stsgate.gate --port P --moto URL)
world.py  starts moto + gate and seeds user/device/roles (World dataclass)
totp.py   RFC 6238 helpers shared by both
"""
