"""The job store on SQLite and on PostgreSQL: migrations, claims, counting, attempts."""

from __future__ import annotations

import socket
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest

from service.db.base import Base
from service.jobs.files import decode, encode
from service.jobs.store import (
    IdempotencyConflict,
    JobStore,
    NotCancellable,
    claimer_id,
    claimer_is_dead,
)

pytest_plugins = ["tests.support.services"]

DEAD = f"{socket.gethostname()}|999999|0.00"  # this host, a process that is not there


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/jobs.sqlite3"
    else:
        url = request.getfixturevalue("postgres_url")
        from service.db import database_url

        url = database_url({"DATABASE_URL": url})
    return JobStore(url)


def make_job(store, job_id="a" * 32, sizes=(3, 3, 2), **kw):
    spans, start = [], 0
    for size in sizes:
        spans.append(range(start, start + size))
        start += size
    return store.create_job(job_id, document_type="directive", output="pdf", spans=spans,
                            chunk_size=max(sizes), **kw)


def test_models_and_migration_agree(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from service import db

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    assert diff == []
    head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    assert db.current_revision(store.engine) == head
    db.upgrade(store.engine)  # a second start is a no-op
    assert db.current_revision(store.engine) == head


def test_create_job_with_render_steps_and_a_merge_step(store):
    job = make_job(store, owner=None)
    assert (job.status, job.total, job.done, job.failed, job.chunk_count) == (
        "queued", 8, 0, 0, 3)
    assert job.created_at.tzinfo is not None
    assert job.started_at is None
    steps = store.steps(job.id)
    assert [(s.number, s.kind, s.start, s.stop, s.status) for s in steps] == [
        (1, "render", 0, 3, "pending"), (2, "render", 3, 6, "pending"),
        (3, "render", 6, 8, "pending"), (4, "merge", 0, 8, "pending")]


def test_idempotency_key_is_unique_per_owner(store):
    make_job(store, "a" * 32, idempotency_key="k1", request_hash="h1")
    with pytest.raises(IdempotencyConflict) as conflict:
        make_job(store, "b" * 32, idempotency_key="k1", request_hash="h2")
    assert conflict.value.existing.id == "a" * 32
    assert conflict.value.existing.request_hash == "h1"
    other = make_job(store, "c" * 32, idempotency_key="k1", owner="someone-else")
    assert other.id == "c" * 32
    assert store.find_by_idempotency_key(None, "k1").id == "a" * 32
    assert store.find_by_idempotency_key("someone-else", "k1").id == "c" * 32
    assert store.get("b" * 32) is None


def test_claim_is_exclusive_and_counts_an_attempt(store):
    job = make_job(store)
    me = claimer_id()
    first = store.claim(job.id, 1, me, lease_s=60, max_attempts=3)
    assert first.outcome == "claimed"
    assert first.step.attempts == 1
    assert store.get(job.id).status == "running"
    assert store.get(job.id).started_at is not None
    assert store.claim(job.id, 1, "elsewhere|1|1.00", lease_s=60, max_attempts=3).outcome \
        == "busy"
    nxt = store.claim_next("elsewhere|1|1.00", lease_s=60, max_attempts=3)
    assert (nxt.job_id, nxt.number) == (job.id, 2)
    assert store.claim(job.id, 4, me, lease_s=60, max_attempts=3).outcome == "not_ready"


def test_concurrent_claims_have_one_winner(store):
    job = make_job(store)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def claim(n: int) -> None:
        barrier.wait()
        outcomes.append(store.claim(job.id, 1, f"host{n}|{n}|1.00", lease_s=60,
                                    max_attempts=3, is_dead=lambda c: False).outcome)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["busy"] * 7 + ["claimed"]
    assert store.steps(job.id)[0].attempts == 1


def test_a_step_finished_twice_is_counted_once(store):
    job = make_job(store)
    store.claim(job.id, 1, claimer_id(), lease_s=60, max_attempts=3)
    first = store.finish_render(job.id, 1)
    again = store.finish_render(job.id, 1)
    assert (first.counted, again.counted) == (True, False)
    view = store.get(job.id)
    assert (view.done, view.chunks_done) == (3, 1)
    assert store.claim(job.id, 1, claimer_id(), lease_s=60, max_attempts=3).outcome == "done"


def test_merge_runs_once_every_chunk_is_done(store):
    job = make_job(store)
    me = claimer_id()
    results = []
    for number in (1, 2, 3):
        store.claim(job.id, number, me, lease_s=60, max_attempts=3)
        results.append(store.finish_render(job.id, number).merge_ready)
    assert results == [False, False, True]
    merge = store.claim_next(me, lease_s=60, max_attempts=3)
    assert (merge.kind, merge.number) == ("merge", 4)
    assert store.finish_merge(job.id, 4, 1234) is True
    assert store.finish_merge(job.id, 4, 1234) is False
    view = store.get(job.id)
    assert (view.status, view.done, view.result_bytes) == ("succeeded", 8, 1234)
    assert view.finished_at >= view.started_at


def test_dead_claimers_are_released_until_attempts_run_out_then_the_step_is_split(store):
    job = make_job(store)  # steps 1–3: items 1–3, 4–6, 7–8; step 4: the merge
    for attempt in (1, 2, 3):
        claim = store.claim(job.id, 2, DEAD, lease_s=60, max_attempts=3)
        assert claim.outcome == "claimed"
        assert claim.step.attempts == attempt
        released = store.reclaim_stale(max_attempts=3)
        assert released == [(job.id, 2, "pending" if attempt < 3 else "split")]
    view = store.get(job.id)
    assert view.status == "running"
    assert view.failed == 0
    assert view.chunk_count == 4
    steps = store.steps(job.id)
    assert [(s.number, s.kind, s.start, s.stop, s.status) for s in steps[1:]] == [
        (2, "render", 3, 6, "split"), (3, "render", 6, 8, "pending"),
        (4, "merge", 0, 8, "pending"), (5, "render", 3, 4, "pending"),
        (6, "render", 4, 6, "pending")]
    for _ in range(3):  # item 4 alone keeps killing its worker: it fails alone
        store.claim(job.id, 5, DEAD, lease_s=60, max_attempts=3)
        store.reclaim_stale(max_attempts=3)
    view = store.get(job.id)
    assert view.status == "running"
    assert view.failed == 1
    assert view.error_code is None
    assert [(i["item"], i["code"], i["reason"]) for i in view.failed_items] == [
        (4, "item_failed", "worker_died")]
    assert "Mục 4 không in được" in view.failed_items[0]["message"]
    for number in (1, 3, 6):
        store.claim(job.id, number, claimer_id(), lease_s=60, max_attempts=3)
        finish = store.finish_render(job.id, number)
    assert finish.merge_ready
    assert store.delivered_steps(job.id) == [1, 6, 3]
    assert store.merge_number(job.id) == 4
    store.claim(job.id, 4, claimer_id(), lease_s=60, max_attempts=3)
    assert store.finish_merge(job.id, 4, 123)
    done = store.get(job.id)
    assert (done.status, done.done, done.failed) == ("done_with_errors", 7, 1)
    assert store.queue_depth() == 0


def test_a_redelivered_message_cannot_loop(store):
    """Celery path: a redelivery after the worker died claims the step again; once the
    step has used its attempts, the next delivery splits a render step (its halves are new
    steps) and fails the job for the merge step, instead of running."""
    job = make_job(store)
    for _ in range(3):
        assert store.claim(job.id, 1, DEAD, lease_s=60, max_attempts=3).outcome == "claimed"
    assert store.claim(job.id, 1, DEAD, lease_s=60, max_attempts=3).outcome == "exhausted"
    assert store.steps(job.id)[0].status == "split"
    assert store.get(job.id).status == "running"
    # a message for the split step delivered once more: nothing happens (no second split)
    assert store.claim(job.id, 1, DEAD, lease_s=60, max_attempts=3).outcome == "inactive"
    assert len(store.steps(job.id)) == 6
    assert store.get(job.id).chunk_count == 4
    for number in (2, 3, 5, 6):
        store.claim(job.id, number, claimer_id(), lease_s=60, max_attempts=3)
        store.finish_render(job.id, number)
    for _ in range(3):
        assert store.claim(job.id, 4, DEAD, lease_s=60, max_attempts=3).outcome == "claimed"
    assert store.claim(job.id, 4, DEAD, lease_s=60, max_attempts=3).outcome == "exhausted"
    view = store.get(job.id)
    assert view.status == "failed"
    assert view.error_code == "attempts_exhausted"
    assert "bước ghép kết quả" in view.error_message
    assert "3 lần" in view.error_message


def test_leases_of_other_hosts_expire(store):
    job = make_job(store)
    other = "another-host|4242|1.00"
    store.claim(job.id, 1, other, lease_s=3600, max_attempts=3)
    assert not claimer_is_dead(other)  # another host: only its lease can tell
    assert store.reclaim_stale(max_attempts=3) == []
    store.renew([(job.id, 1)], other, lease_s=-1)
    assert store.reclaim_stale(max_attempts=3) == [(job.id, 1, "pending")]
    step = store.steps(job.id)[0]
    assert (step.status, step.attempts, step.claimed_by) == ("pending", 1, None)


def test_release_with_refund_gives_the_attempt_back(store):
    job = make_job(store)
    me = claimer_id()
    store.claim(job.id, 1, me, lease_s=60, max_attempts=3)
    assert store.release(job.id, 1, me, "shutdown", max_attempts=3, refund=True) == "pending"
    assert store.steps(job.id)[0].attempts == 0


def test_cancel(store):
    job = make_job(store)
    cancelled = store.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert cancelled.finished_at is not None
    assert {s.status for s in store.steps(job.id)} == {"cancelled"}
    with pytest.raises(NotCancellable):
        store.cancel(job.id)
    assert store.claim_next(claimer_id(), lease_s=60, max_attempts=3) is None
    assert store.cancel("f" * 32) is None


def test_to_enqueue_sends_each_step_once(store):
    job = make_job(store)
    first = store.to_enqueue(requeue_after_s=3600)
    assert first == [(job.id, 1), (job.id, 2), (job.id, 3)]
    assert store.to_enqueue(requeue_after_s=3600) == []
    assert store.to_enqueue(requeue_after_s=-1) == first  # a message presumed lost
    store.forget_enqueued([(job.id, 2)])
    assert store.to_enqueue(requeue_after_s=3600) == [(job.id, 2)]
    me = claimer_id()
    for number in (1, 2, 3):
        store.claim(job.id, number, me, lease_s=60, max_attempts=3)
        store.finish_render(job.id, number)
    assert store.mark_enqueued(job.id, 4) is True
    assert store.mark_enqueued(job.id, 4) is False
    assert store.to_enqueue(requeue_after_s=3600) == []


def test_expired_and_files_removed(store):
    job = make_job(store)
    store.cancel(job.id)
    from datetime import UTC, timedelta

    later = datetime.now(UTC) + timedelta(hours=1)
    assert [j.id for j in store.expired(later)] == [job.id]
    assert store.expired(datetime.now(UTC) - timedelta(hours=1)) == []
    store.mark_files_removed(job.id)
    assert store.expired(later) == []
    assert store.get(job.id).files_removed_at is not None


def test_list_jobs_newest_first(store):
    make_job(store, "a" * 32)
    make_job(store, "b" * 32)
    assert [j.id for j in store.list_jobs(limit=10)] == ["b" * 32, "a" * 32]
    assert [j.id for j in store.list_jobs(limit=1)] == ["b" * 32]


def test_claimer_identity():
    me = claimer_id()
    assert not claimer_is_dead(me)
    assert claimer_is_dead(DEAD)
    assert claimer_is_dead(None)
    assert claimer_is_dead("garbage")


def test_validated_payloads_round_trip_exactly():
    value = {"date": date(2026, 1, 15), "amount": Decimal("1870000.50"), "n": 3, "x": 0.1,
             "none": None, "flag": True, "list": [date(2020, 1, 1), {"nested": "Ừ"}],
             "tuple": (1, "a"), "__t": "a user field that looks like a tag",
             "stamp": datetime(2026, 1, 15, 8, 30)}
    import json

    restored = decode(json.loads(json.dumps(encode(value))))
    assert restored == value
    assert type(restored["amount"]) is Decimal
    assert type(restored["date"]) is date
    with pytest.raises(TypeError):
        encode({"bad": object()})


def test_queue_depth_throughput_and_stats(store):
    from datetime import timedelta

    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from service.db.base import utcnow
    from service.db.jobs import Job

    assert store.queue_depth() == 0
    assert store.throughput(300) == 0
    first = make_job(store, "a" * 32)              # 8 items in chunks of 3, 3, 2
    make_job(store, "b" * 32, sizes=(5,))
    assert store.queue_depth() == 13
    store.claim(first.id, 1, claimer_id(), lease_s=60, max_attempts=3)
    store.finish_render(first.id, 1)
    store.claim(first.id, 2, claimer_id(), lease_s=60, max_attempts=3)  # rendering: counts
    assert store.queue_depth() == 10
    assert store.throughput(300) == pytest.approx(3 / 300)
    store.cancel("b" * 32)
    assert store.queue_depth() == 5
    # finished jobs with known run times: 0.5 s and 90 s succeeded, 4000 s failed
    now = utcnow()
    for job_id, seconds, status in (("c" * 32, 0.5, "succeeded"), ("d" * 32, 90, "succeeded"),
                                    ("e" * 32, 4000, "failed")):
        make_job(store, job_id, sizes=(1,))
        with Session(store.engine) as session, session.begin():
            session.execute(update(Job).where(Job.id == job_id).values(
                status=status, started_at=now - timedelta(seconds=seconds), finished_at=now))
    stats = store.stats((1.0, 60.0, 120.0, 3600.0))
    assert stats.jobs == {"running": 1, "cancelled": 1, "succeeded": 2, "failed": 1}
    # render chunks only (merge steps are not chunks); c, d, e's chunks were left pending
    assert stats.chunks == {"done": 1, "running": 1, "pending": 4, "cancelled": 1}
    assert stats.queue_items == 5
    counts, count, total = stats.durations["succeeded"]
    assert counts == [1, 1, 2, 2]
    assert count == 2
    assert total == pytest.approx(90.5, abs=0.01)
    counts, count, total = stats.durations["failed"]
    assert counts == [0, 0, 0, 0]
    assert count == 1
    assert total == pytest.approx(4000, abs=0.01)
    assert "cancelled" not in stats.durations  # never started: no run time


def test_the_queue_limit_holds_against_concurrent_submissions(store):
    """Eight threads each try to add 3 items under a limit of 10: exactly 3 succeed, however
    the checks interleave (the depth is read under the write lock that inserts the job)."""
    from service.jobs.store import QueueDepthExceeded

    made, refused = [], []
    barrier = threading.Barrier(8)

    def submit(n: int) -> None:
        barrier.wait()
        try:
            made.append(make_job(store, f"{n:032x}", sizes=(3,), max_queue_items=10))
        except QueueDepthExceeded as exc:
            refused.append(exc.depth)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 3
    assert len(refused) == 5
    assert store.queue_depth() == 9
    assert all(depth == 9 for depth in refused)


def test_an_overlapping_register_range_of_the_same_owner_is_refused(store):
    from service.jobs.store import RegisterOverlap

    first = make_job(store, "1" * 32, owner="key:a", register=range(1093, 1097))
    assert (first.register_first, first.register_last) == (1093, 1096)
    with pytest.raises(RegisterOverlap) as taken:
        make_job(store, "2" * 32, owner="key:a", register=range(1096, 1100))
    assert taken.value.existing.id == first.id
    assert store.get("2" * 32) is None  # nothing created
    make_job(store, "3" * 32, owner="key:b", register=range(1093, 1097))  # another owner
    make_job(store, "4" * 32, owner="key:a", register=range(1097, 1101))  # the next numbers
    store.cancel("4" * 32)  # cancelled: it printed nothing, its numbers are free again
    make_job(store, "5" * 32, owner="key:a", register=range(1097, 1101))
