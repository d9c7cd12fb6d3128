"""federation: a fake AWS sign-in federation endpoint for `awsmfa login` tests (stdlib only).

server.py   FakeFederation: GET /federation?Action=getSigninToken&Session=… checks the session
            JSON and answers {"SigninToken": …}; GET /federation?Action=login&… redeems a token
            it issued (302 to Destination); modes make it answer 500 or a non-JSON page.
"""
from .server import MODES, FakeFederation

__all__ = ["FakeFederation", "MODES"]
