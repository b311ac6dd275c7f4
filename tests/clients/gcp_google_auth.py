"""Debian's python3-google-auth exchanges a `vigil cloudsim` service-account key for a token.

/usr/bin/python3 gcp_google_auth.py --key gcp-service-account.json
"""
import argparse
import json
import sys

import google.auth.exceptions
import google.auth.transport.requests
from google.oauth2 import service_account

p = argparse.ArgumentParser()
p.add_argument("--key", required=True)
a = p.parse_args()
creds = service_account.Credentials.from_service_account_file(
    a.key, scopes=["https://www.googleapis.com/auth/monitoring.read"])
try:
    creds.refresh(google.auth.transport.requests.Request())
except google.auth.exceptions.RefreshError as e:
    print(json.dumps({"ok": False, "error": str(e)}))
    sys.exit(1)
print(json.dumps({"ok": True, "result": {"token": bool(creds.token), "expiry": str(creds.expiry)}}))
