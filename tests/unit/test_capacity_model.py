"""The capacity model's arithmetic (``benchmarks/_capacity_model.py``): units, limits, flags,
key shapes and spreads, and the conflict estimate. No AWS, no devserver."""

import math

import pytest

from benchmarks._capacity_model import (
    HALF,
    LIMITS,
    OWN_STREAM,
    BatchTime,
    Key,
    Spread,
    batch_time,
    clock_periods,
    compute_time,
    concurrent_share,
    conflict_ceiling,
    contention,
    flagged,
    generalise,
    item_size,
    ordered_capacity,
    pool_size,
    pool_sizes,
    read_cost,
    spread,
    write_cost,
)

VIDEO = "4c3b6a2e-5d1f-4e8a-9b7c-0a1d2e3f4a51"
USERS = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(6)]


# -- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "plain", "in_transaction"),
    [(0, 1, 2), (1, 1, 2), (1024, 1, 2), (1025, 2, 4), (4096, 4, 8)],
)
def test_writes_cost_a_unit_per_started_kilobyte_and_twice_in_a_transaction(
    size, plain, in_transaction
):
    assert write_cost(size) == plain
    assert write_cost(size, transactional=True) == in_transaction


@pytest.mark.parametrize(
    ("size", "strong", "eventual", "in_transaction"),
    [(0, 1, 0.5, 2), (4096, 1, 0.5, 2), (4097, 2, 1.0, 4), (12_000, 3, 1.5, 6)],
)
def test_reads_cost_a_unit_per_started_4_kb_half_when_eventually_consistent(
    size, strong, eventual, in_transaction
):
    assert read_cost(size, consistent=True) == strong
    assert read_cost(size, consistent=False) == eventual
    assert read_cost(size, consistent=True, transactional=True) == in_transaction


def test_an_items_size_counts_names_and_values_by_dynamodbs_rules():
    item = {
        "pk": {"S": "home"},  # 2 + 4
        "n": {"N": "12345"},  # 1 + (3 digits' pairs + 1) = 1 + 4
        "m": {"M": {"a": {"BOOL": True}}},  # 1 + 3 + (1 + 1 + 1)
    }
    assert item_size(item) == 6 + 5 + 7
    assert item_size(None) == 0


# -- limits and flags --------------------------------------------------------------------------


def test_a_line_is_flagged_above_half_of_its_limit_not_at_it():
    assert HALF == 0.5
    assert not flagged(500, 1000)
    assert flagged(500.1, 1000)
    assert flagged(1, 0)


def test_every_limit_has_its_value_and_a_source():
    assert LIMITS["partition_wcu"].value == 1000
    assert LIMITS["partition_rcu"].value == 3000
    assert LIMITS["stream_readers"].value == 2
    assert LIMITS["sns_group"].value == 300
    assert LIMITS["lambda_concurrency"].value == 1000
    assert LIMITS["api_gateway"].value == 10_000
    for limit in LIMITS.values():
        assert "https://" in limit.source


# -- key shapes and how they spread --------------------------------------------------------------


def test_keys_are_generalised_to_their_shape():
    assert generalise(f"viewing-{VIDEO}", {VIDEO: "viral"}) == Key("viewing-{viral}", (VIDEO,), ())
    assert generalise(f"viewing-{VIDEO}+12").label == "viewing-{id}+{n}"
    assert generalise("viewing#2").numbers == (2,)
    assert generalise("ada.lovelace@example.com").label == "{email}"
    assert generalise("identityEmail-" + "ab" * 20).label == "identityEmail-{hash}"


def test_one_key_for_every_instance_is_one_key():
    keys = [(n, generalise(f"viewing-{VIDEO}")) for n in range(6)]
    assert spread(keys).kind == "one"


def test_an_id_that_differs_between_instances_is_a_key_per_entity():
    found = spread([(n, generalise(f"identity-{user}")) for n, user in enumerate(USERS)])
    assert found.kind == "each"
    assert found.entity == "id"


def test_numbers_that_differ_under_the_same_id_are_a_pool_whose_size_is_estimated():
    keys = [(n, generalise(f"viewing-{VIDEO}+{shard}")) for n, shard in enumerate([0, 5, 2, 7])]
    found = spread(keys)
    assert found.kind == "pool"
    assert found.keys == pytest.approx(pool_size([0, 5, 2, 7], 4))


def test_a_pools_size_is_the_german_tank_estimate_and_at_least_what_was_seen():
    assert pool_size([0, 1, 2, 3], 4) == pytest.approx(4 + 4 / 4 - 1)
    assert pool_size([3, 3, 3], 3) == pytest.approx(4 + 4 / 3 - 1)
    assert pool_size([5, 1], 2) == pytest.approx(6 + 3 - 1)
    assert pool_size([0, 1, 2, 3, 4], 1) >= 5


def test_pools_numbered_the_same_way_are_sized_together():
    pools = {
        ("AdminCategories", "", "identity|{n}"): [(0, generalise("identity|0"))],
        ("AdminCategories", "", "sendEmail|{n}"): [
            (0, generalise("sendEmail|3")),
            (1, generalise("sendEmail|1")),
        ],
    }
    sizes = pool_sizes(pools)
    expected = pool_size([0, 3, 1], 3)
    assert sizes[("AdminCategories", "", "identity|{n}")] == pytest.approx(expected)
    assert sizes[("AdminCategories", "", "sendEmail|{n}")] == pytest.approx(expected)


# -- conflicts and ordered sources ------------------------------------------------------------


def test_the_conflict_ceiling_is_one_over_e_f_w():
    assert conflict_ceiling(0.01) == pytest.approx(1 / (math.e * 0.01))
    assert conflict_ceiling(0.01, 0.5) == pytest.approx(2 / (math.e * 0.01))
    assert conflict_ceiling(0.01, 0.0) == math.inf


def test_the_attempts_that_yield_the_writes_follow_s_equals_a_e_to_the_minus_a_w():
    found = contention(15.0, 0.01)
    assert found.attempts is not None
    assert found.attempts * math.exp(-found.attempts * 0.01) == pytest.approx(15.0)
    assert found.failures == pytest.approx(found.attempts - 15.0)
    assert found.failures_per_write == pytest.approx(math.exp(found.attempts * 0.01) - 1)
    assert not found.flagged  # 15 < 36.8 / 2
    assert contention(20.0, 0.01).flagged  # 20 > 36.8 / 2


def test_a_key_with_no_writes_expects_no_conflicts():
    """A key only read, or written at a rate that rounds to nothing (it crashed the model)."""
    found = contention(0.0, 0.01)
    assert (found.failures, found.failures_per_write, found.flagged) == (0.0, 0.0, False)


def test_past_the_ceiling_retries_never_catch_up_and_the_line_is_flagged():
    found = contention(10_000.0, 0.008)
    assert found.attempts is None
    assert found.failures == math.inf
    assert found.flagged


def test_writes_of_one_ordered_source_do_not_conflict():
    found = contention(1000.0, 0.01, concurrent_share=0.0)
    assert found.failures == 0
    assert not found.flagged


def test_writes_from_many_shards_to_one_item_race_with_each_other():
    """A video's item written by the batches of its 132 viewing shards: two of them may land
    together unless they come from the same shard (1 in 132)."""
    source = ("view", ("unit", "home-page-aggregator", "viewing-{viral}+{n}"))
    share = concurrent_share({source: 100.0}, {source: Spread("pool", 132.0)})
    assert share == pytest.approx(1 - 1 / 132)


def test_a_streams_own_item_written_by_its_own_batches_does_not_race():
    """admin-streams' item of stream X is written by the batches that hold X's records: one
    shard's (one group's), one after another, so they never land together."""
    own = ("view", (OWN_STREAM, "admin-streams-aggregator", "viewing-{viral}+{n}"))
    assert concurrent_share({own: 14.4}, {own: Spread("pool", 132.0)}) == 0.0
    assert not contention(14.4, 0.083, concurrent_share=0.0).flagged
    # the same writes, taken for a pool of sources, were flagged
    pooled = ("view", ("unit", "admin-streams-aggregator", "viewing-{viral}+{n}"))
    racing = concurrent_share({pooled: 14.4}, {pooled: Spread("pool", 132.0)})
    assert contention(14.4, 0.083, concurrent_share=racing).flagged


def test_writes_from_the_api_race_with_a_streams_own_batches():
    own = ("view", (OWN_STREAM, "admin-streams-aggregator", "viewing-{viral}+{n}"))
    api = ("view", ("api",))
    share = concurrent_share({own: 10.0, api: 10.0}, {own: Spread("pool", 132.0), api: None})
    assert share == pytest.approx(0.5 * (1 - 0.5) + 0.5)


def test_an_ordered_source_takes_full_batches_one_after_another():
    time = BatchTime(fixed=0.020, per_message=0.001, fitted=True)
    # batches of 10 take 30 ms: 333 messages a second, one at a time; 10 at a time, ten times
    assert ordered_capacity(time, 10) == pytest.approx(10 / 0.030)
    assert ordered_capacity(time, 10, parallel=10) == pytest.approx(100 / 0.030)


def test_a_streams_capacity_does_not_follow_the_backlog_the_run_gave_it():
    """The same consumer measured in a run that gave each stream 5 messages a batch and in
    one that gave it 17: one line through both, one capacity at full batches (the model had
    judged batches/s at the run's batch size: the smaller run's line three times higher)."""
    small = batch_time([5, 6, 5, 4], [0.035, 0.036, 0.035, 0.034])
    large = batch_time([17, 16, 18], [0.047, 0.046, 0.048])
    assert small.fitted
    assert large.fitted
    assert small.fixed == pytest.approx(0.030)
    assert small.per_message == pytest.approx(0.001)
    assert large.fixed == pytest.approx(0.030)
    assert large.per_message == pytest.approx(0.001)
    assert ordered_capacity(small, 100) == pytest.approx(ordered_capacity(large, 100))
    assert ordered_capacity(small, 100) == pytest.approx(100 / 0.130)


def test_one_batch_size_gives_the_proportional_reading():
    """Batches all of one message: nothing tells fixed cost from cost per message, so every
    message is taken to cost what the run's did — a full batch is not assumed cheaper."""
    time = batch_time([1, 1, 1], [0.020, 0.024, 0.022])
    assert not time.fitted
    assert time.fixed == 0
    assert time.per_message == pytest.approx(0.022)
    assert ordered_capacity(time, 10) == pytest.approx(1 / 0.022)


def test_a_line_that_falls_as_batches_grow_is_not_trusted():
    time = batch_time([2, 10], [0.050, 0.030])  # noise: larger batches seemed faster
    assert not time.fitted
    assert time.per_message == pytest.approx(0.040 / 6)


def test_a_negative_fixed_cost_is_read_as_none():
    time = batch_time([2, 4, 8], [0.001, 0.006, 0.016])
    assert time.fixed == 0
    assert time.per_message > 0
    assert time.of(8) == pytest.approx(8 * time.per_message)


# -- compute time ------------------------------------------------------------------------------


def test_an_invocations_compute_is_its_time_outside_its_requests():
    assert compute_time(wall=0.100, waited=0.060) == pytest.approx(0.040)
    assert compute_time(wall=0.050, waited=0.060) == 0.0  # never below nothing


def test_time_the_thread_spent_waiting_for_others_is_not_compute():
    """A relay batch that met the consumers' batches on the devserver's other threads took
    half a second outside its requests, on 0.1 s of its own thread's CPU."""
    assert compute_time(wall=0.600, waited=0.100, cpu=0.090) == pytest.approx(0.090)
    # the CPU time counts the client's own work inside requests too: the smaller one holds
    assert compute_time(wall=0.100, waited=0.060, cpu=0.055) == pytest.approx(0.040)


# -- requests made by the clock ----------------------------------------------------------------


def test_a_request_some_runs_skip_is_by_the_clock_its_period_at_least_the_longest_skip():
    """A page copy kept for 2 s, runs 0.4 s apart: read at 0 and 2.0, skipped in between."""
    runs = [(n * 0.4, [("page", n * 0.4 + 0.01)] if n in (0, 5) else []) for n in range(7)]

    assert clock_periods(runs) == {"page": (pytest.approx(1.6 - 0.01), 1)}


def test_a_refresh_of_two_requests_counts_both():
    runs = [(0.0, [("page", 0.01), ("page", 0.02)]), (0.5, []), (1.0, [])]

    assert clock_periods(runs) == {"page": (pytest.approx(0.98), 2)}


def test_a_request_every_run_makes_is_not_by_the_clock():
    runs = [(n * 0.4, [("page", n * 0.4 + 0.01), ("item", n * 0.4 + 0.02)]) for n in range(4)]

    assert clock_periods(runs) == {}


def test_a_run_before_any_such_request_tells_nothing():
    runs = [(0.0, []), (0.5, [("page", 0.51)]), (0.9, [("page", 0.91)])]

    assert clock_periods(runs) == {}
