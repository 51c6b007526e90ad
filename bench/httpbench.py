"""bench/httpbench: what the server benchmarks share (bench/server,
bench/compare): a process's CPU time and the multipart body of an upload."""
import os, uuid


def cpu_of(pid):
    """user+system seconds of a process (all its threads), of its children
    it has reaped, and of its live descendants (the server's zygote and
    worker processes, where the decoding happens): so the difference of two
    readings is what the server and its workers spent between them, also
    when a worker exited (and was reaped) in between."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # exited meanwhile: its time is now its parent's
    total = sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
    children = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children.update(int(c) for c in f.read().split())
    except OSError:
        pass
    return total + sum(cpu_of(c) for c in children)


def own_cpu_of(pid):
    """user+system seconds of the process itself (all its threads), without
    its children: for the server, the HTTPS front alone (TLS, parsing,
    authentication, audit, encryption, the database), not the decoding."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:13]) / tick


def multipart(path):
    boundary = uuid.uuid4().hex
    data = open(path, "rb").read()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
            f"Content-Type: audio/wav\r\n\r\n").encode()
    return boundary, head + data + f"\r\n--{boundary}--\r\n".encode()
