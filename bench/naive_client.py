#!/usr/bin/env python3
"""What common import scripts do: one token, then one request per row, in sequence, no
retries, no rate limiting, print 'success'. Usage: naive_client.py CSV MEETING_ID
(credentials and ZOOM_OAUTH_URL from the environment, as for zimport)."""
import csv
import os
import sys

import requests

token = requests.post(
    os.environ["ZOOM_OAUTH_URL"],
    auth=(os.environ["ZOOM_CLIENT_ID"], os.environ["ZOOM_CLIENT_SECRET"]),
    data={"grant_type": "account_credentials", "account_id": os.environ["ZOOM_ACCOUNT_ID"]},
).json()
headers = {"Authorization": "Bearer " + token["access_token"]}
url = f"{token['api_url']}/v2/meetings/{sys.argv[2]}/registrants"
ok = 0
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        r = requests.post(url, headers=headers, json={
            "email": row["email"], "first_name": row["first_name"], "last_name": row["last_name"]})
        ok += r.status_code == 201
print(f"success: {ok}")
