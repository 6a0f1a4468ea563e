"""A fresh AWS account per test on the session's moto server: moto keeps one backend per
account id, and an assumed role acts in the role's account."""

from __future__ import annotations

import itertools

import pytest

from tests.servers import RunningMotoServer

from .dev_account import Account, build_dev_account

_ACCOUNTS = itertools.count(210000000001)


def new_account(server: RunningMotoServer) -> Account:
    import boto3

    account_id = str(next(_ACCOUNTS))
    sts = boto3.client("sts", region_name=server.region, endpoint_url=server.endpoint_url)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/builder", RoleSessionName="builder"
    )["Credentials"]
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return Account(session, server.endpoint_url, account_id, server.region)


REGIONS = ("eu-central-1", "us-east-1")


@pytest.fixture(scope="session")
def dev_account(moto_server: RunningMotoServer) -> Account:
    """The dev plan built once per session (bucket names are global, as in AWS), in an account
    hardened in :data:`REGIONS`. Tests that change it say so."""
    account = new_account(moto_server)
    build_dev_account(account, REGIONS)
    return account


@pytest.fixture(autouse=True, scope="module")
def _event_loop_for_pulumi_mocks() -> None:
    """``gdpr-audit drift`` synthesizes the plan in process; Pulumi's mocks need a current
    event loop, which an earlier async test in the session may have closed and unset."""
    import asyncio

    asyncio.set_event_loop(asyncio.new_event_loop())
