"""The shipped scenarios: they validate without warnings, the baseline encodes every roadmap commitment, and
they run (small N) exactly as the README says."""

import datetime as dt
import re
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.load import load_with_warnings

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))
ROADMAP_TABLE = ROOT.parent / "shared" / "roadmap" / "roadmap-2030.md"

# The 47 dated commitments of roadmap-2030.md §1.2 (id → ISO deadline; UKR-7 is ongoing, without one).
# Copied here so that the test also runs where ../shared is absent; checked against the table when present.
COMMITMENTS = {
    "CAP-0": "2026-03-31", "CAP-1": "2026-03-31", "CAP-2": "2026-06-30", "CAP-3": "2026-06-30",
    "CAP-4": "2027-12-31", "CAP-5": "2028-12-31", "CAP-6": "2030-12-31", "FLG-0": "2026-06-20",
    "EDDI-1": "2025-12-31", "EDDI-2": "2026-03-31", "EDDI-3": "2026-03-31", "EDDI-4": "2026-12-31",
    "EDDI-5": "2027-12-31", "EFW-6": "2028-12-31", "EAS-1": "2025-12-31", "EAS-2": "2026-06-30",
    "EAS-3": "2026-12-31", "ESS-1": "2025-12-31", "ESS-2": "2026-12-31", "ESS-3": "2026-06-30",
    "IND-1a": "2025-11-30", "IND-1b": "2025-11-30", "IND-2": "2025-12-31", "IND-3a": "2026-06-30",
    "IND-3b": "2026-06-30", "IND-4": "2026-06-30", "IND-5": "2026-12-31", "IND-6": "2026-12-31",
    "IND-7": "2027-12-31", "UKR-1": "2025-12-31", "UKR-2": "2025-12-31", "UKR-3": "2026-03-31",
    "UKR-4": "2026-03-31", "UKR-5": "2026-03-31", "UKR-6": "2026-12-31", "UKR-7": None,
    "TXT-UKR": "2026-03-31", "SMK-1": "2025-12-31", "SMK-2": "2025-12-31", "MOB-1": "2025-12-31",
    "MOB-2": "2026-03-31", "MOB-3": "2026-12-31", "MOB-4": "2027-12-31", "FIN-1": "2026-03-31",
    "FIN-2": "2027-12-31", "FIN-3": "2028-09-30", "GOV-1": "2026-10-31",
}


def test_commitment_list_matches_roadmap_table():
    if not ROADMAP_TABLE.exists():
        pytest.skip("../shared/roadmap is not beside this checkout")
    rows = re.findall(r"^\| ([A-Z]+-[0-9a-z]+|TXT-UKR) \|.*\| (\d{4}-\d{2}-\d{2}|null) \| \w+ \|$",
                      ROADMAP_TABLE.read_text(), flags=re.M)
    assert {k: (None if v == "null" else v) for k, v in rows} == COMMITMENTS


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_scenarios_validate_without_warnings(path):
    scenario, warnings = load_with_warnings(path)
    assert not warnings, "\n".join(map(str, warnings))
    assert scenario.title


def test_baseline_encodes_every_commitment_with_its_deadline():
    baseline = sim.load(ROOT / "scenarios" / "baseline.yaml")
    by_roadmap = {}
    for m in baseline.milestones:
        if m.roadmap_id:
            assert m.roadmap_id not in by_roadmap, f"{m.roadmap_id} encoded twice"
            by_roadmap[m.roadmap_id] = m
    assert set(by_roadmap) == set(COMMITMENTS)
    for rid, deadline in COMMITMENTS.items():
        m = by_roadmap[rid]
        assert (m.deadline.isoformat() if m.deadline else None) == deadline, rid
    assert baseline.start == dt.date(2025, 10, 16)
    target_ids = {t.id for t in baseline.targets}
    assert all(m.id in target_ids for m in by_roadmap.values() if m.deadline)


def test_baseline_every_uncertain_number_has_a_source():
    baseline = sim.load(ROOT / "scenarios" / "baseline.yaml")
    for m in baseline.milestones:
        if m.duration is not None or m.done_on is not None:
            assert m.source, m.id
    for element in baseline.drivers + baseline.risks + baseline.correlations:
        assert element.source


def test_baseline_identical_with_two_jobs(tmp_path):
    base = ROOT / "scenarios" / "baseline.yaml"
    assert main(["run", str(base), "-n", "300", "--seed", "7", "--out", str(tmp_path / "a"), "--no-progress"]) == 0
    assert main(["run", str(base), "-n", "300", "--seed", "7", "--jobs", "2", "--out", str(tmp_path / "b"), "--no-progress"]) == 0
    assert (tmp_path / "a" / "targets.csv").read_text() == (tmp_path / "b" / "targets.csv").read_text()
    assert (tmp_path / "a" / "milestones.csv").read_text() == (tmp_path / "b" / "milestones.csv").read_text()


def test_list_shows_titles(capsys):
    assert main(["list", "--dir", str(ROOT / "scenarios")]) == 0
    out = capsys.readouterr().out
    assert "baseline.yaml" in out
    assert "Baseline" in out


def test_public_api_is_pinned():
    assert sorted(sim.__all__) == sorted(["Problem", "Results", "RunInterrupted", "Scenario", "ScenarioError",
                                          "__version__", "load", "run", "trace"])
    for name in sim.__all__:
        assert hasattr(sim, name)
