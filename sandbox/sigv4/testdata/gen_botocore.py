"""Regenerates the botocore-signed request fixtures in this directory.

Each fixture is a raw HTTP/1.1 request as botocore would put it on the
wire, signed with the key pair below; botocore.json lists them with what
the verifier needs. Run with python3 from this directory.
"""
import json
import urllib.parse

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLE//token+with/odd=chars"
REGION = "us-east-1"
ENDPOINT = "http://localhost:4566"


class Captured(Exception):
    def __init__(self, request):
        super().__init__("captured")
        self.request = request


def capture(request, **kwargs):
    raise Captured(request)


def client(service, token=None):
    session = botocore.session.get_session()
    c = session.create_client(
        service,
        region_name=REGION,
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        aws_session_token=token,
    )
    c.meta.events.register("before-send", capture)
    return c


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def raw_request(method, url, headers, body):
    parts = urllib.parse.urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    body = body or b""
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    names = {k.lower() for k in headers}
    for k, v in headers.items():
        lines.append(f"{k}: {text(v)}")
    if body and "content-length" not in names:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def call(service, op, params, token=None):
    c = client(service, token)
    try:
        getattr(c, op)(**params)
    except Captured as e:
        r = e.request
        return raw_request(r.method, r.url, r.headers, r.body), r
    raise RuntimeError("request was not sent")


def main():
    manifest = []

    def save(name, raw, service, what):
        with open(name, "wb") as f:
            f.write(raw)
        manifest.append({"file": name, "service": service, "region": REGION,
                         "access_key_id": ACCESS_KEY, "secret": SECRET_KEY,
                         "what": what})

    raw, r = call("cloudformation", "create_stack", {
        "StackName": "demo-stack",
        "TemplateBody": '{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, '
                        '"Description": "a&b=c+d %41 / ü ☃\\n"}',
        "Parameters": [
            {"ParameterKey": "Env", "ParameterValue": "prod & test"},
            {"ParameterKey": "Size", "UsePreviousValue": True},
        ],
        "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": "team", "Value": "a b"}, {"Key": "cost", "Value": "42"}],
        "TimeoutInMinutes": 30,
        "DisableRollback": False,
        "RollbackConfiguration": {
            "RollbackTriggers": [
                {"Arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a", "Type": "AWS::CloudWatch::Alarm"},
            ],
            "MonitoringTimeInMinutes": 5,
        },
    })
    save("botocore_cloudformation_createstack.http", raw, "cloudformation", "form POST, awsquery CreateStack")
    query_bodies = {"botocore_createstack.body": r.body}

    raw, r = call("cloudformation", "update_stack", {
        "StackName": "demo-stack",
        "UsePreviousTemplate": True,
        "Capabilities": [],
        "NotificationARNs": [],
    })
    save("botocore_cloudformation_updatestack.http", raw, "cloudformation", "form POST, empty lists")
    query_bodies["botocore_updatestack_emptylists.body"] = r.body

    raw, _ = call("sts", "get_caller_identity", {}, token=SESSION_TOKEN)
    save("botocore_sts_getcalleridentity.http", raw, "sts", "form POST with a session token")

    raw, _ = call("cloudcontrol", "create_resource", {
        "TypeName": "AWS::S3::Bucket",
        "DesiredState": '{"BucketName": "b"}',
        "ClientToken": "11111111-2222-3333-4444-555555555555",
    })
    save("botocore_cloudcontrol_createresource.http", raw, "cloudcontrolapi", "JSON POST with X-Amz-Target")

    # A hand-built request for what the service clients never send: a GET
    # with a query of odd characters and a path with spaces.
    # The query goes in params, as botocore's serializers put it, so that
    # it is signed in the canonical encoding.
    req = AWSRequest(
        method="GET",
        url=ENDPOINT + "/some%20path/with%20spaces/caf%C3%A9",
        params=[("b", "2"), ("a", "1"), ("a", "0"), ("z", " sp+plus"), ("empty", ""),
                ("t", "~tilde"), ("s", "/"), ("u", "ü"), ("star", "*;!'()")],
        headers={"X-Amz-Meta-Odd": "  two   spaces  "},
    )
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", REGION).add_auth(req)
    p = req.prepare()
    save("botocore_get_oddquery.http", raw_request(p.method, p.url, p.headers, p.body), "execute-api",
         "GET, odd query characters, path with spaces")

    with open("botocore.json", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    for name, body in query_bodies.items():
        with open("../../awsquery/testdata/" + name, "wb") as f:
            f.write(body if isinstance(body, bytes) else body.encode())


if __name__ == "__main__":
    main()
