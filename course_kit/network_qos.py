"""Network contention: the course text's congestion score and QoS classes, as a small model.

Seed section 5, "Network Contention Impact Analysis" (``NetworkCongestionManager``). The score is
the course text's **heuristic**, not a standard metric: each signal is normalised by a threshold and
capped at 1, then averaged with weights 0.4 / 0.3 / 0.3,

    score = 0.4·min(u/0.8, 1) + 0.3·min(q/1000, 1) + 0.3·min(loss/0.001, 1),

and a link with score > 0.7 is "congested". The thresholds (80 % utilisation, 1,000 queued
packets, 0.1 % loss) are the course text's choices. The QoS classes (high 50 %, medium 30 %, low 20 %
guaranteed bandwidth) are modelled here as work-conserving weighted sharing: each class first
gets min(demand, guarantee × link), then unused capacity is shared among classes that still
want more in proportion to their guarantees (water-filling, as weighted fair queueing does).

>>> congestion_score(0.8, 1000, 0.001)
1.0
>>> round(congestion_score(0.9, 100, 0.0), 2)        # saturated link, short queue, no loss
0.43
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from course_kit._validate import check_number

__all__ = [
    "Thresholds",
    "COURSE_TEXT_THRESHOLDS",
    "COURSE_TEXT_WEIGHTS",
    "CONGESTED_ABOVE",
    "congestion_score",
    "dominant_signal",
    "detect_congestion",
    "QosClass",
    "COURSE_TEXT_QOS_CLASSES",
    "qos_allocation_gbps",
    "score_grid",
    "qos_sweep",
]


@dataclass(frozen=True)
class Thresholds:
    utilization: float
    queue_depth_packets: float
    packet_loss_rate: float


#: The course text's ``congestion_thresholds`` (unsourced choices).
COURSE_TEXT_THRESHOLDS = Thresholds(utilization=0.8, queue_depth_packets=1000, packet_loss_rate=0.001)
#: The course text's weights for utilisation, queue depth and loss.
COURSE_TEXT_WEIGHTS = (0.4, 0.3, 0.3)
#: The course text flags a link as congested above this score.
CONGESTED_ABOVE = 0.7


def _terms(utilization, queue_depth_packets, packet_loss_rate, thresholds, weights):
    u = check_number("utilization", utilization, low=0, high=1)
    q = check_number("queue_depth_packets", queue_depth_packets, low=0, high=1e9)
    loss = check_number("packet_loss_rate", packet_loss_rate, low=0, high=1)
    if not isinstance(thresholds, Thresholds):
        raise ValueError(f"thresholds must be a Thresholds; got {thresholds!r}")
    if not (isinstance(weights, (tuple, list)) and len(weights) == 3):
        raise ValueError(f"weights must be three numbers summing to 1; got {weights!r}")
    w = [check_number(f"weights[{i}]", x, low=0, high=1) for i, x in enumerate(weights)]
    if abs(sum(w) - 1) > 1e-9:
        raise ValueError(f"weights must sum to 1; got {weights!r} (sum {sum(w):g})")
    tu = check_number("thresholds.utilization", thresholds.utilization, low=0, high=1, low_inclusive=False)
    tq = check_number(
        "thresholds.queue_depth_packets", thresholds.queue_depth_packets, low=0, high=1e9, low_inclusive=False
    )
    tl = check_number("thresholds.packet_loss_rate", thresholds.packet_loss_rate, low=0, high=1, low_inclusive=False)
    return {
        "utilization": w[0] * min(u / tu, 1.0),
        "queueing": w[1] * min(q / tq, 1.0),
        "loss": w[2] * min(loss / tl, 1.0),
    }


def congestion_score(
    utilization,
    queue_depth_packets,
    packet_loss_rate,
    *,
    thresholds: Thresholds = COURSE_TEXT_THRESHOLDS,
    weights=COURSE_TEXT_WEIGHTS,
) -> float:
    """The course text's congestion score in [0, 1] (see the module docstring for the formula).

    >>> congestion_score(0.4, 500, 0.0005)
    0.5
    """
    return float(sum(_terms(utilization, queue_depth_packets, packet_loss_rate, thresholds, weights).values()))


def dominant_signal(
    utilization,
    queue_depth_packets,
    packet_loss_rate,
    *,
    thresholds: Thresholds = COURSE_TEXT_THRESHOLDS,
    weights=COURSE_TEXT_WEIGHTS,
) -> str:
    """Which term contributes most to the score: 'utilization', 'queueing' or 'loss'.

    (The course text calls an undefined ``identify_bottleneck_type``; this is a minimal stand-in.)

    >>> dominant_signal(0.2, 900, 0.0)
    'queueing'
    """
    terms = _terms(utilization, queue_depth_packets, packet_loss_rate, thresholds, weights)
    return max(terms, key=lambda k: (terms[k], k == "loss", k == "queueing"))


def detect_congestion(metrics: Mapping, *, threshold: float = CONGESTED_ABOVE) -> list[dict]:
    """Links whose score exceeds ``threshold``, highest first.

    ``metrics``: ``{link_id: {"utilization": u, "queue_depth": q, "packet_loss": p}}`` (the course text's keys).

    >>> detect_congestion({"leaf1-spine1": {"utilization": 0.95, "queue_depth": 2000, "packet_loss": 0.002},
    ...                    "leaf2-spine1": {"utilization": 0.30, "queue_depth": 10, "packet_loss": 0.0}})
    [{'link_id': 'leaf1-spine1', 'congestion_score': 1.0, 'dominant_signal': 'utilization'}]
    """
    if not isinstance(metrics, Mapping):
        raise ValueError(f"metrics must be a mapping link_id -> metrics dict; got {metrics!r}")
    threshold = check_number("threshold", threshold, low=0, high=1)
    out = []
    for link, m in metrics.items():
        if not isinstance(m, Mapping) or not {"utilization", "queue_depth", "packet_loss"} <= set(m):
            raise ValueError(
                f"metrics[{link!r}] must have 'utilization', 'queue_depth' and 'packet_loss'; got {m!r}"
            )
        score = congestion_score(m["utilization"], m["queue_depth"], m["packet_loss"])
        if score > threshold:
            sig = dominant_signal(m["utilization"], m["queue_depth"], m["packet_loss"])
            out.append({"link_id": link, "congestion_score": round(score, 6), "dominant_signal": sig})
    out.sort(key=lambda d: -d["congestion_score"])
    return out


@dataclass(frozen=True)
class QosClass:
    name: str
    traffic_types: tuple[str, ...]
    guarantee: float  # share of link bandwidth guaranteed
    max_latency_ms: float
    queue_priority: int


#: The course text's ``implement_qos_policies`` classes (targets are the course text's, unsourced).
COURSE_TEXT_QOS_CLASSES = (
    QosClass("high", ("model_inference", "real_time_features"), 0.5, 10, 1),
    QosClass("medium", ("model_training", "batch_processing"), 0.3, 100, 2),
    QosClass("low", ("data_backup", "log_shipping"), 0.2, 1000, 3),
)


def qos_allocation_gbps(demand_gbps: Mapping, link_gbps, classes=COURSE_TEXT_QOS_CLASSES) -> dict[str, float]:
    """Bandwidth each class gets on a ``link_gbps`` link (work-conserving weighted sharing).

    Each class first receives min(demand, guarantee × link); the remaining capacity is then
    water-filled over the classes that still want more, in proportion to their guarantees.
    Properties: no class gets more than it asks for; the total never exceeds the link; when total
    demand fits, everyone gets their demand; a class asking for at most its guarantee always gets it.

    >>> qos_allocation_gbps({"high": 30, "medium": 80, "low": 80}, 100)
    {'high': 30.0, 'medium': 42.0, 'low': 28.0}
    """
    link = check_number("link_gbps", link_gbps, low=0, high=1e6, low_inclusive=False)
    if not isinstance(demand_gbps, Mapping):
        raise ValueError(f"demand_gbps must be a mapping class -> Gb/s; got {demand_gbps!r}")
    names = [c.name for c in classes]
    unknown = set(demand_gbps) - set(names)
    if unknown:
        raise ValueError(f"demand_gbps has unknown classes {sorted(map(str, unknown))}; classes: {names}")
    weights = {c.name: check_number(f"guarantee of {c.name}", c.guarantee, low=0, high=1) for c in classes}
    if sum(weights.values()) > 1 + 1e-9:
        raise ValueError(f"class guarantees must sum to at most 1; got {sum(weights.values()):g}")
    demand = {n: check_number(f"demand_gbps[{n!r}]", demand_gbps.get(n, 0.0), low=0, high=1e6) for n in names}
    alloc = {n: min(demand[n], weights[n] * link) for n in names}
    for _ in range(len(names) + 1):
        spare = link - sum(alloc.values())
        hungry = [n for n in names if demand[n] - alloc[n] > 1e-12]
        if spare <= 1e-12 or not hungry:
            break
        wsum = sum(weights[n] for n in hungry)
        shares = {n: (weights[n] / wsum if wsum > 0 else 1 / len(hungry)) * spare for n in hungry}
        for n in hungry:
            alloc[n] = min(demand[n], alloc[n] + shares[n])
    return {n: round(alloc[n], 9) for n in names}


def score_grid(utilizations, queue_depths, packet_loss_rate: float = 0.0) -> list[list[float]]:
    """Congestion score for every (queue depth, utilisation) pair: rows = queue depths.

    >>> score_grid([0.4, 0.8], [0, 1000])
    [[0.2, 0.4], [0.5, 0.7]]
    """
    us = list(utilizations)
    qs = list(queue_depths)
    if not us or not qs or len(us) * len(qs) > 1_000_000:
        raise ValueError("utilizations and queue_depths must be non-empty and hold at most 1e6 pairs")
    return [[round(congestion_score(u, q, packet_loss_rate), 12) for u in us] for q in qs]


def qos_sweep(offered_fraction_values, link_gbps, mix=None) -> list[dict]:
    """Per-class allocation as total offered load grows (``mix`` = share of load per class).

    The default mix offers 40 % high, 40 % medium, 20 % low priority traffic.

    >>> qos_sweep([0.5, 2.0], 100)[1]
    {'offered_gbps': 200.0, 'high': 50.0, 'medium': 30.0, 'low': 20.0}
    """
    link = check_number("link_gbps", link_gbps, low=0, high=1e6, low_inclusive=False)
    mix = dict(mix) if mix is not None else {"high": 0.4, "medium": 0.4, "low": 0.2}
    total = sum(check_number(f"mix[{k!r}]", v, low=0, high=1) for k, v in mix.items())
    if abs(total - 1) > 1e-9:
        raise ValueError(f"mix shares must sum to 1; got {total:g}")
    rows = []
    for f in offered_fraction_values:
        f = check_number("offered fraction", f, low=0, high=100)
        alloc = qos_allocation_gbps({k: v * f * link for k, v in mix.items()}, link)
        rows.append({"offered_gbps": f * link, **alloc})
    return rows
