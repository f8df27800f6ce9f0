"""What the kernel says about the server's processes (Linux /proc): members and CPU time."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may contain spaces: split after it.
    return text[text.rindex(")") + 2:].split()


def session_members(session_id: int) -> list[int]:
    """Pids of the live (non-zombie) processes of a session."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        # fields[0] is the state, fields[3] the session id.
        if fields and int(fields[3]) == session_id and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 once it is gone)."""
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def session_cpu_seconds(session_id: int) -> float:
    """CPU time used so far by the live processes of a session."""
    return sum(cpu_seconds(pid) for pid in session_members(session_id))


def is_running(pid: int) -> bool:
    """True while a process exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"


def _cpu_times() -> tuple[float, float]:
    """(idle, total) jiffies of all cores, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return float(idle), float(sum(fields[:8]))


def idle_cores(seconds: float = 1.0) -> float:
    """How many cores sat idle on average over the next ``seconds`` (others' load shows)."""
    import time

    idle0, total0 = _cpu_times()
    time.sleep(seconds)
    idle1, total1 = _cpu_times()
    cores = os.cpu_count() or 1
    return cores * (idle1 - idle0) / max(total1 - total0, 1.0)


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo ('' when it is not there)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
