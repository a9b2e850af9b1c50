"""GitLab secret-token vectors (X-Gitlab-Token). GitLab has no signature to
compute and no official SDK verifier (python-gitlab is an API client); the
token is compared for equality, per docs.gitlab.com 'Validate payloads by
using a secret token'."""
from _vectors import NOW, vector, write

SRC = "docs.gitlab.com/user/project/integrations/webhooks/#validate-payloads-by-using-a-secret-token (token equality; nothing computed)"
P = "gitlab"
TOKEN = "glwt-4f1c2e9a7b3d5f8e0a6c"
body = ('{"object_kind":"push","event_name":"push","before":"95790bf891e76fee5e1747ab589903a6a1f80f22",'
        '"after":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","ref":"refs/heads/main","user_username":"jsmith",'
        '"project_id":15,"project":{"id":15,"name":"Diaspora","path_with_namespace":"mike/diaspora"},"total_commits_count":1}')


def H(tok):
    h = {"Content-Type": "application/json", "X-Gitlab-Event": "Push Hook",
         "X-Gitlab-Event-UUID": "13792a34-cac6-4fda-95a8-c58e00a3954e",
         "X-Gitlab-Webhook-UUID": "6c5a1c8e-2b5e-4c8b-9a1d-3e2f4a5b6c7d", "User-Agent": "GitLab/18.5.0"}
    if tok is not None:
        h["X-Gitlab-Token"] = tok
    return h


common = dict(provider=P, key=TOKEN, method="POST", url=None, now=NOW, source=SRC, body=body)
out = [
    vector(name="ok", description="Push Hook carrying the configured secret token.", headers=H(TOKEN), expected="ok", **common),
    vector(name="wrong_token", description="A different token.", headers=H("glwt-0000000000000000000"), expected="bad_signature", **common),
    vector(name="token_prefix_only", description="Only the first half of the right token.", headers=H(TOKEN[:12]), expected="bad_signature", **common),
    vector(name="token_case_changed", description="The right token upper-cased: the comparison is exact.", headers=H(TOKEN.upper()), expected="bad_signature", **common),
    vector(name="missing_token", description="No X-Gitlab-Token header.", headers=H(None), expected="missing_signature", **common),
]
write("gitlab.json", out)
