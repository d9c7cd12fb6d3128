#!/usr/bin/env bash
# Before each cold run: the gate forgets used TOTP steps and awsmfa's bench keyring is emptied,
# so every run starts cold and may use the current step.
curl -s -X POST "$1/_gate/clear" >/dev/null
ring=$(keyctl search @u keyring "$2" 2>/dev/null) && keyctl clear "$ring" >/dev/null
true
