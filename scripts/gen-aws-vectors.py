#!/usr/bin/env python3
"""Generate the SigV4 / IAM auth token test vectors for Tests/PosternAWSTests/Fixtures.

The expected values come from the locally installed botocore (checked with 1.43.11), which is
what the AWS CLI and most tooling use, so the Swift signer is held to byte equality with it.
Everything runs offline: credentials are passed explicitly, config/credential files and IMDS are
switched off, and the clock is frozen by patching botocore.auth.get_current_datetime.

Usage:
    python3 scripts/gen-aws-vectors.py           # rewrite the fixtures
    python3 scripts/gen-aws-vectors.py --check   # exit 1 if the committed fixtures differ
"""

import datetime
import hashlib
import hmac
import json
import os
import sys
from pathlib import Path
from unittest import mock

# Hermetic: no profile files, no instance metadata, no environment credentials.
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.session  # noqa: E402
from botocore.awsrequest import AWSRequest, prepare_request_dict  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "Tests" / "PosternAWSTests" / "Fixtures"

# AWS's documented example keys, plus a second pair so a vector cannot pass by accident.
DOC_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
ALT_KEY = ("AKIDPOSTERNTESTKEY01", "p0stern+Test/Secret=Key/With+Specials==")
SUITE_KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

# Session tokens contain '/', '+' and '=' so that their query encoding is exercised.
TOKEN_1 = (
    "IQoJb3JpZ2luX2VjEAoaCXVzLWVhc3QtMSJHMEUCIQD+postern/test+token/"
    "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/ZZ=="
)
TOKEN_2 = "FwoGZXIvYXdzEPostern//Session+Token+Two/with=padding="


def when(year, month, day, hour, minute, second, microsecond=0):
    return datetime.datetime(year, month, day, hour, minute, second, microsecond)


def epoch(dt):
    return (dt - datetime.datetime(1970, 1, 1)).total_seconds()


class Recorder:
    """Captures botocore's canonical request and string to sign for the next signature."""

    def __init__(self):
        self.canonical_request = None
        self.string_to_sign = None

    def __enter__(self):
        original = botocore.auth.SigV4Auth.string_to_sign
        recorder = self

        def string_to_sign(auth, request, canonical_request):
            result = original(auth, request, canonical_request)
            recorder.canonical_request = canonical_request
            recorder.string_to_sign = result
            return result

        self._patch = mock.patch.object(botocore.auth.SigV4Auth, "string_to_sign", string_to_sign)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()
        return False


def frozen(dt):
    return mock.patch("botocore.auth.get_current_datetime", return_value=dt)


def client(service, region, key, token):
    session = botocore.session.Session()
    return session.create_client(
        service,
        region_name=region,
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        aws_session_token=token,
    )


def credentials_json(key, token):
    return {"accessKeyId": key[0], "secretAccessKey": key[1], "sessionToken": token}


# --------------------------------------------------------------------------- IAM auth tokens


def rds_token(host, port, user, region, key, token, dt):
    with frozen(dt), Recorder() as rec:
        value = client("rds", region, key, token).generate_db_auth_token(host, port, user, Region=region)
    return value, rec


def dsql_token(host, action, region, key, token, dt):
    c = client("dsql", region, key, token)
    with frozen(dt), Recorder() as rec:
        if action == "DbConnectAdmin":
            value = c.generate_db_connect_admin_auth_token(host, region)
        else:
            value = c.generate_db_connect_auth_token(host, region)
    return value, rec


def cache_token(service, name, user, region, key, token, dt, serverless=False):
    # botocore has no helper for these; this is the request AWS's own samples presign.
    c = client(service, region, key, token)
    params = {"Action": "connect", "User": user}
    if serverless:
        params["ResourceType"] = "ServerlessCache"
    request_dict = {"url_path": "/", "query_string": "", "headers": {}, "body": params, "method": "GET"}
    prepare_request_dict(request_dict, f"http://{name}")
    with frozen(dt), Recorder() as rec:
        url = c._request_signer.generate_presigned_url(
            request_dict, "connect", expires_in=900, region_name=region, signing_name=service
        )
    return url[len("http://"):], rec


def token_vectors():
    vectors = []

    def add(name, kind, inputs, key, dt, produce):
        for token in (None, TOKEN_1 if len(vectors) % 4 else TOKEN_2):
            value, rec = produce(token)
            vectors.append(
                {
                    "name": name + (" +token" if token else ""),
                    "kind": kind,
                    **inputs,
                    "credentials": credentials_json(key, token),
                    "epochSeconds": epoch(dt),
                    "amzDate": dt.strftime("%Y%m%dT%H%M%SZ"),
                    "canonicalRequest": rec.canonical_request,
                    "stringToSign": rec.string_to_sign,
                    "token": value,
                }
            )

    rds = [
        ("rds postgres 5432", "mydb.abcdefghijkl.us-east-1.rds.amazonaws.com", 5432, "iam_user", "us-east-1", DOC_KEY,
         when(2026, 3, 14, 9, 26, 53)),
        ("rds aurora 443 mixed-case host", "Aurora-Cluster.cluster-ro-abcdefghijkl.eu-west-2.rds.amazonaws.com", 443,
         "app+reader@corp", "eu-west-2", ALT_KEY, when(2024, 2, 29, 23, 59, 59, 999000)),
        ("rds 5432 user with space", "pg.abcdefghijkl.ap-southeast-2.rds.amazonaws.com", 5432, "report user",
         "ap-southeast-2", DOC_KEY, when(2015, 8, 30, 12, 36, 0)),
        ("rds 443 plain", "db.abcdefghijkl.us-east-1.rds.amazonaws.com", 443, "alice", "us-east-1", ALT_KEY,
         when(2030, 12, 31, 23, 59, 59, 500000)),
    ]
    for name, host, port, user, region, key, dt in rds:
        add(name, "rds", {"host": host, "port": port, "user": user, "region": region}, key, dt,
            lambda t, h=host, p=port, u=user, r=region, k=key, d=dt: rds_token(h, p, u, r, k, t, d))

    dsql = [
        ("dsql admin", "abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws", "DbConnectAdmin", "us-east-1", DOC_KEY,
         when(2026, 3, 14, 9, 26, 53)),
        ("dsql connect", "kiabcdefghijklmnopqrstuvwx.dsql.eu-west-2.on.aws", "DbConnect", "eu-west-2", ALT_KEY,
         when(2025, 1, 1, 0, 0, 0)),
        ("dsql admin mixed-case host", "Zyxwvutsrqponmlkjihgfedcba.dsql.ap-southeast-2.on.aws", "DbConnectAdmin",
         "ap-southeast-2", DOC_KEY, when(2024, 2, 29, 12, 0, 1, 250000)),
        ("dsql connect apse2", "a1b2c3d4e5f6g7h8i9j0k1l2m3.dsql.ap-southeast-2.on.aws", "DbConnect",
         "ap-southeast-2", ALT_KEY, when(2027, 7, 4, 18, 5, 9)),
    ]
    for name, host, action, region, key, dt in dsql:
        kind = "dsql-admin" if action == "DbConnectAdmin" else "dsql"
        add(name, kind, {"host": host, "region": region}, key, dt,
            lambda t, h=host, a=action, r=region, k=key, d=dt: dsql_token(h, a, r, k, t, d))

    caches = [
        ("elasticache", False, "postern-cache", "iam-user-01", "us-east-1", DOC_KEY, when(2026, 3, 14, 9, 26, 53)),
        ("elasticache", False, "My-Redis-RG", "app user+1@corp", "eu-west-2", ALT_KEY, when(2024, 2, 29, 23, 59, 59)),
        ("elasticache", False, "cache-03", "reader=ro/2", "ap-southeast-2", DOC_KEY, when(2015, 8, 30, 12, 36, 0)),
        ("elasticache-serverless", True, "postern-serverless", "iam-user-01", "us-east-1", ALT_KEY,
         when(2026, 3, 14, 9, 26, 53)),
        ("elasticache-serverless", True, "Valkey-Serverless-2", "svc@example.com", "eu-west-2", DOC_KEY,
         when(2025, 6, 1, 6, 30, 0, 1)),
        ("elasticache-serverless", True, "sls-apse2", "ops team", "ap-southeast-2", ALT_KEY,
         when(2031, 1, 2, 3, 4, 5)),
        ("memorydb", False, "postern-memorydb", "iam-user-01", "us-east-1", DOC_KEY, when(2026, 3, 14, 9, 26, 53)),
        ("memorydb", False, "My-MemoryDB-Cluster", "app+writer@corp", "eu-west-2", ALT_KEY,
         when(2024, 2, 29, 0, 0, 0)),
        ("memorydb", False, "mdb-apse2", "batch user~1", "ap-southeast-2", DOC_KEY, when(2029, 10, 11, 12, 13, 14)),
    ]
    for kind, serverless, name, user, region, key, dt in caches:
        service = "memorydb" if kind == "memorydb" else "elasticache"
        label = f"{kind} {name} {region}"
        add(label, kind, {"host": name, "user": user, "region": region}, key, dt,
            lambda t, s=service, n=name, u=user, r=region, k=key, d=dt, sl=serverless:
            cache_token(s, n, u, r, k, t, d, sl))
    return vectors


# --------------------------------------------------------------------------- request signing


def build_request(spec):
    authority = spec["host"] + (f":{spec['port']}" if spec["port"] is not None else "")
    url = f"{spec['scheme']}://{authority}{spec['path']}"
    request = AWSRequest(method=spec["method"], url=url, data=spec["body"].encode("utf-8"))
    # Assigning twice appends (http.client semantics), which is how repeated headers are made.
    for name, value in spec["headers"]:
        request.headers[name] = value
    if spec["query"]:
        request.params = [tuple(pair) for pair in spec["query"]]
    return request


def sign_headers(spec, key, token, service, region, dt):
    request = build_request(spec)
    with frozen(dt), Recorder() as rec:
        botocore.auth.SigV4Auth(Credentials(key[0], key[1], token), service, region).add_auth(request)
    authorization = request.headers["Authorization"]
    signed = authorization.split("SignedHeaders=")[1].split(",")[0]
    return {
        "canonicalRequest": rec.canonical_request,
        "stringToSign": rec.string_to_sign,
        "signature": authorization.rsplit("Signature=", 1)[1],
        "signedHeaders": signed,
        "authorization": authorization,
        "headers": [[name, value] for name, value in request.headers.items()],
    }


def presign(spec, key, token, service, region, dt, expires):
    request = build_request(spec)
    with frozen(dt), Recorder() as rec:
        botocore.auth.SigV4QueryAuth(Credentials(key[0], key[1], token), service, region, expires=expires).add_auth(
            request
        )
    return {
        "canonicalRequest": rec.canonical_request,
        "stringToSign": rec.string_to_sign,
        "signature": request.url.rsplit("X-Amz-Signature=", 1)[1],
        "url": request.url,
        "headers": [[name, value] for name, value in request.headers.items()],
    }


def request_spec(method, scheme, host, port, path, query=(), headers=(), body=""):
    return {
        "method": method,
        "scheme": scheme,
        "host": host,
        "port": port,
        "path": path,
        "query": [list(pair) for pair in query],
        "headers": [list(pair) for pair in headers],
        "body": body,
    }


FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")

ASSUME_ROLE_BODY = (
    "Action=AssumeRole&Version=2011-06-15"
    "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fpostern-readonly"
    "&RoleSessionName=postern-alice%40example.com"
    "&ExternalId=ext%2Bid%3D42"
    "&DurationSeconds=3600"
)


def header_vectors():
    cases = [
        ("sts GetCallerIdentity global", "sts", "us-east-1", DOC_KEY, when(2026, 3, 14, 9, 26, 53),
         request_spec("POST", "https", "sts.amazonaws.com", None, "/", headers=[FORM],
                      body="Action=GetCallerIdentity&Version=2011-06-15")),
        ("sts GetCallerIdentity regional", "sts", "eu-west-2", ALT_KEY, when(2024, 2, 29, 23, 59, 59, 999999),
         request_spec("POST", "https", "sts.eu-west-2.amazonaws.com", None, "/", headers=[FORM],
                      body="Action=GetCallerIdentity&Version=2011-06-15")),
        ("sts AssumeRole eu-west-2", "sts", "eu-west-2", DOC_KEY, when(2026, 3, 14, 9, 26, 53),
         request_spec("POST", "https", "sts.eu-west-2.amazonaws.com", None, "/", headers=[FORM],
                      body=ASSUME_ROLE_BODY)),
        ("sts AssumeRole ap-southeast-2", "sts", "ap-southeast-2", ALT_KEY, when(2025, 11, 30, 5, 4, 3),
         request_spec("POST", "https", "sts.ap-southeast-2.amazonaws.com", None, "/", headers=[FORM],
                      body=ASSUME_ROLE_BODY)),
        ("secretsmanager GetSecretValue json", "secretsmanager", "us-east-1", DOC_KEY, when(2026, 3, 14, 9, 26, 53),
         request_spec("POST", "https", "secretsmanager.us-east-1.amazonaws.com", None, "/",
                      headers=[("Content-Type", "application/x-amz-json-1.1"),
                               ("X-Amz-Target", "secretsmanager.GetSecretValue")],
                      body='{"SecretId":"prod/postern/db","VersionStage":"AWSCURRENT"}')),
        ("local endpoint with port over http", "sts", "us-east-1", ALT_KEY, when(2026, 3, 14, 9, 26, 53),
         request_spec("POST", "http", "127.0.0.1", 5000, "/", headers=[FORM],
                      body="Action=GetCallerIdentity&Version=2011-06-15")),
        ("default port kept out of signed host", "sts", "us-east-1", DOC_KEY, when(2026, 3, 14, 9, 26, 53),
         request_spec("POST", "https", "STS.Amazonaws.com", 443, "/", headers=[FORM],
                      body="Action=GetCallerIdentity&Version=2011-06-15")),
        ("path, query and header canonicalisation", "execute-api", "ap-southeast-2", ALT_KEY,
         when(2024, 2, 29, 0, 0, 0),
         request_spec(
             "GET", "https", "example.amazonaws.com", 8443,
             "/a%20b/./c/../d//e+f/%7Etilde/caf%C3%A9/",
             query=[("b", "2"), ("a", "1"), ("a", "0"), ("space key", "x y"), ("tilde", "~"), ("slash", "a/b"),
                    ("empty", ""), ("unicode", "caf\u00e9 \u2713"), ("A", "upper"), ("plus", "1+1=2"),
                    ("star", "*"), ("percent", "100%")],
             headers=[("My-Header", "  a   b \t c  "), ("X-Dup", "one"), ("x-dup", " two "),
                      ("User-Agent", "postern/0.1 (not signed)"), ("Connection", "keep-alive"),
                      ("X-Amzn-Trace-Id", "Root=1-abc"), ("Accept", "application/json")])),
        ("dot segments and empty path", "service", "us-east-1", DOC_KEY, when(2015, 8, 30, 12, 36, 0),
         request_spec("GET", "https", "example.amazonaws.com", None, "/foo/../../bar/./baz/..//qux",
                      query=[("Param1", "value1")])),
        ("put with body and content sha header", "service", "eu-west-2", ALT_KEY, when(2026, 3, 14, 9, 26, 53),
         request_spec("PUT", "https", "example.amazonaws.com", None, "/",
                      headers=[("Content-Type", "text/plain"),
                               ("X-Amz-Content-SHA256",
                                "UNSIGNED-PAYLOAD")],
                      body="hello")),
    ]
    vectors = []
    for index, (name, service, region, key, dt, spec) in enumerate(cases):
        tokens = [None, TOKEN_1 if index % 2 else TOKEN_2]
        for token in tokens:
            vectors.append(
                {
                    "name": name + (" +token" if token else ""),
                    "service": service,
                    "region": region,
                    "credentials": credentials_json(key, token),
                    "epochSeconds": epoch(dt),
                    "amzDate": dt.strftime("%Y%m%dT%H%M%SZ"),
                    "request": spec,
                    "expected": sign_headers(spec, key, token, service, region, dt),
                }
            )
    return vectors


def presign_vectors():
    cases = [
        ("sts GetCallerIdentity presigned with extra signed header", "sts", "us-east-1", DOC_KEY, 60,
         when(2026, 3, 14, 9, 26, 53),
         request_spec("GET", "https", "sts.amazonaws.com", None, "/",
                      query=[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
                      headers=[("x-k8s-aws-id", "postern-cluster")])),
        ("generic presign with encoded query", "service", "eu-west-2", ALT_KEY, 3600,
         when(2024, 2, 29, 23, 59, 59),
         request_spec("GET", "https", "Example.AmazonAWS.com", 8443, "/some%20path/obj",
                      query=[("z", "last"), ("a b", "c/d"), ("email", "x@y.z"), ("unicode", "\u00fc")])),
        ("presign drops the default form content type", "service", "ap-southeast-2", DOC_KEY, 900,
         when(2015, 8, 30, 12, 36, 0),
         request_spec("GET", "https", "example.amazonaws.com", 443, "/", query=[("Action", "Test")],
                      headers=[FORM])),
    ]
    vectors = []
    for index, (name, service, region, key, expires, dt, spec) in enumerate(cases):
        for token in (None, TOKEN_2 if index % 2 else TOKEN_1):
            vectors.append(
                {
                    "name": name + (" +token" if token else ""),
                    "service": service,
                    "region": region,
                    "expiresIn": expires,
                    "credentials": credentials_json(key, token),
                    "epochSeconds": epoch(dt),
                    "amzDate": dt.strftime("%Y%m%dT%H%M%SZ"),
                    "request": spec,
                    "expected": presign(spec, key, token, service, region, dt, expires),
                }
            )
    return vectors


# --------------------------------------------------------------------------- published examples


def signing_key_hex(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key.hex()


def published_vectors():
    """AWS's published examples; the published values are asserted against botocore here."""
    dt = when(2015, 8, 30, 12, 36, 0)
    suite_host = [("Host", "example.amazonaws.com")]
    cases = [
        # SigV4 test suite, get-vanilla.
        ("get-vanilla", "aws-sig-v4-test-suite/get-vanilla", "service",
         request_spec("GET", "https", "example.amazonaws.com", None, "/", headers=suite_host),
         {"signature": "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
          "canonicalRequestSha256": "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"}),
        # SigV4 test suite, get-vanilla-query-order-key-case.
        ("get-vanilla-query-order-key-case", "aws-sig-v4-test-suite/get-vanilla-query-order-key-case", "service",
         request_spec("GET", "https", "example.amazonaws.com", None, "/",
                      query=[("Param2", "value2"), ("Param1", "value1")], headers=suite_host),
         {"signature": "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"}),
        # SigV4 test suite, post-vanilla.
        ("post-vanilla", "aws-sig-v4-test-suite/post-vanilla", "service",
         request_spec("POST", "https", "example.amazonaws.com", None, "/", headers=suite_host),
         {"signature": "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"}),
        # The IAM ListUsers walkthrough in AWS's "Create a signed AWS API request" guide.
        ("iam-listusers", "AWS General Reference: signature version 4 signing process (IAM ListUsers)", "iam",
         request_spec("GET", "https", "iam.amazonaws.com", None, "/",
                      query=[("Action", "ListUsers"), ("Version", "2010-05-08")],
                      headers=[FORM, ("Host", "iam.amazonaws.com")]),
         {"signature": "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
          "canonicalRequestSha256": "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
          "signingKey": "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"}),
    ]
    vectors = []
    for name, source, service, spec, published in cases:
        expected = sign_headers(spec, SUITE_KEY, None, service, "us-east-1", dt)
        assert expected["signature"] == published["signature"], (name, expected["signature"])
        if "canonicalRequestSha256" in published:
            digest = hashlib.sha256(expected["canonicalRequest"].encode()).hexdigest()
            assert digest == published["canonicalRequestSha256"], (name, digest)
        if "signingKey" in published:
            derived = signing_key_hex(SUITE_KEY[1], "20150830", "us-east-1", service)
            assert derived == published["signingKey"], (name, derived)
        vectors.append(
            {
                "name": name,
                "source": source,
                "service": service,
                "region": "us-east-1",
                "credentials": credentials_json(SUITE_KEY, None),
                "epochSeconds": epoch(dt),
                "amzDate": dt.strftime("%Y%m%dT%H%M%SZ"),
                "request": spec,
                "published": published,
                "expected": expected,
            }
        )
    return vectors


# --------------------------------------------------------------------------- output


def document(kind, vectors):
    return {
        "generator": "scripts/gen-aws-vectors.py",
        "botocore": botocore.__version__,
        "kind": kind,
        "vectors": vectors,
    }


def render(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv
    outputs = {
        "iam-auth-tokens.json": document("iam-auth-tokens", token_vectors()),
        "sigv4-header-signing.json": document("sigv4-header-signing", header_vectors()),
        "sigv4-presign.json": document("sigv4-presign", presign_vectors()),
        "sigv4-published-examples.json": document("sigv4-published-examples", published_vectors()),
    }
    stale = []
    for name, doc in outputs.items():
        path = FIXTURES / name
        text = render(doc)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(FIXTURES.parent.parent.parent)} ({len(doc['vectors'])} vectors)")
    if stale:
        print("fixtures differ from botocore " + botocore.__version__ + ": " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
