"""bench/httpbench: what the server benchmarks share (bench/server,
bench/compare): a process's CPU time and the multipart body of an upload."""
import os, uuid


def cpu_of(pid):
    """user+system seconds of a process (and its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def multipart(path):
    boundary = uuid.uuid4().hex
    data = open(path, "rb").read()
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
            f"Content-Type: audio/wav\r\n\r\n").encode()
    return boundary, head + data + f"\r\n--{boundary}--\r\n".encode()
