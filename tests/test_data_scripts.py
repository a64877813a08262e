"""data_scripts: the registry, and the download path served from 127.0.0.1 (no internet):
download, checksum failure, resume/restart, mirror fallback and the offline message."""
import hashlib
import http.server
import io
import re
import subprocess
import sys
import threading

import numpy as np
import pytest

import data_scripts
from conftest import REPO
from data_scripts import Dataset, DatasetMissing, DownloadError

PAYLOAD = bytes(range(256)) * 400          # 102,400 bytes
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    files = {}          # path -> bytes
    no_range = set()    # paths that ignore Range
    truncate = set()    # paths that announce the full length and stop half way
    log = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).log.append((self.path, self.headers.get("Range")))
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and self.path not in self.no_range:
            start = int(re.match(r"bytes=(\d+)-", rng).group(1))
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        chunk = body[start:]
        if self.path in self.truncate:
            chunk = chunk[: len(chunk) // 2]
        self.wfile.write(chunk)
        self.wfile.flush()
        if self.path in self.truncate:
            self.close_connection = True


@pytest.fixture
def server():
    Handler.files, Handler.no_range, Handler.truncate, Handler.log = {}, set(), set(), []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVLAB_DATA", str(tmp_path / "cache"))
    monkeypatch.setitem(data_scripts.REGISTRY, "tiny", Dataset(
        name="tiny", filename="tiny.bin", urls=("http://127.0.0.1:9/never",), sha256=SHA,
        size=len(PAYLOAD), licence="test", citation="test", description="a test file"))
    return tmp_path / "cache"


def fetch(name="tiny", **kw):
    return data_scripts.fetch(name, progress=io.StringIO(), timeout=5, **kw)


def test_download_verifies_and_moves_into_place(server, cache):
    Handler.files["/tiny.bin"] = PAYLOAD
    progress = io.StringIO()
    path = data_scripts.fetch("tiny", urls=[f"{server}/tiny.bin"], progress=progress, timeout=5)
    assert path == cache / "tiny.bin" and path.read_bytes() == PAYLOAD
    assert not (cache / "tiny.bin.part").exists()
    assert "100%" in progress.getvalue() and "tiny.bin [" in progress.getvalue()
    assert data_scripts.cached_path("tiny") == path
    Handler.log.clear()
    assert fetch(urls=[f"{server}/tiny.bin"]) == path and Handler.log == []   # cached: no request


def test_corrupt_file_is_rejected_and_nothing_is_left(server, cache):
    Handler.files["/tiny.bin"] = PAYLOAD[:-1] + b"X"
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch(urls=[f"{server}/tiny.bin"])
    assert list(cache.iterdir()) == []
    with pytest.raises(DatasetMissing):
        data_scripts.cached_path("tiny")


def test_mirror_fallback(server, cache):
    Handler.files["/bad.bin"] = b"<html>not the file</html>"
    Handler.files["/good.bin"] = PAYLOAD
    path = fetch(urls=[f"{server}/missing.bin", f"{server}/bad.bin", f"{server}/good.bin"])
    assert path.read_bytes() == PAYLOAD
    assert [p for p, _ in Handler.log] == ["/missing.bin", "/bad.bin", "/good.bin"]


def test_interrupted_download_resumes_with_a_range_request(server, cache):
    Handler.files["/tiny.bin"] = PAYLOAD
    Handler.truncate.add("/tiny.bin")
    with pytest.raises(DownloadError, match="tiny"):
        fetch(urls=[f"{server}/tiny.bin"])
    part = cache / "tiny.bin.part"
    assert not (cache / "tiny.bin").exists() and 0 < part.stat().st_size < len(PAYLOAD)
    have = part.stat().st_size
    Handler.truncate.clear()
    Handler.log.clear()
    assert fetch(urls=[f"{server}/tiny.bin"]).read_bytes() == PAYLOAD
    assert Handler.log == [("/tiny.bin", f"bytes={have}-")] and not part.exists()


def test_server_without_range_support_restarts(server, cache):
    cache.mkdir(parents=True)
    (cache / "tiny.bin.part").write_bytes(PAYLOAD[:1000])
    Handler.files["/tiny.bin"] = PAYLOAD
    Handler.no_range.add("/tiny.bin")
    assert fetch(urls=[f"{server}/tiny.bin"]).read_bytes() == PAYLOAD
    assert Handler.log == [("/tiny.bin", "bytes=1000-")]


def test_stale_partial_file_is_discarded_and_downloaded_again(server, cache):
    cache.mkdir(parents=True)
    (cache / "tiny.bin.part").write_bytes(b"junk" * 100)
    Handler.files["/tiny.bin"] = PAYLOAD
    assert fetch(urls=[f"{server}/tiny.bin"]).read_bytes() == PAYLOAD
    assert [r for _, r in Handler.log] == ["bytes=400-", None]


def test_offline_messages(cache):
    with pytest.raises(DatasetMissing) as info:
        data_scripts.cached_path("mnist")
    assert isinstance(info.value, FileNotFoundError)
    assert "python -m data_scripts fetch mnist" in str(info.value)
    assert str(cache) in str(info.value)
    with pytest.raises(DownloadError, match="No network"):
        fetch(urls=["http://127.0.0.1:9/tiny.bin"])        # nothing listens on port 9
    with pytest.raises(KeyError, match="registered"):
        data_scripts.cached_path("imagenet")


def test_unpinned_checksum_refuses_then_warns_loudly(server, cache, monkeypatch, capsys):
    monkeypatch.setitem(data_scripts.REGISTRY, "loose", Dataset(
        name="loose", filename="loose.bin", urls=(), sha256=None, size=None, licence="test",
        citation="test", description="no checksum", note="SHA-256 NOT PINNED (test)"))
    Handler.files["/loose.bin"] = PAYLOAD
    with pytest.raises(DownloadError, match="--unverified"):
        fetch("loose", urls=[f"{server}/loose.bin"])
    assert Handler.log == []
    path = fetch("loose", urls=[f"{server}/loose.bin"], allow_unverified=True)
    assert path.read_bytes() == PAYLOAD
    err = capsys.readouterr().err
    assert "WITHOUT checksum verification" in err and SHA in err


def test_registry_entries():
    for name in ("creditcard", "mnist", "cifar10"):
        ds = data_scripts.REGISTRY[name]
        assert ds.urls and all(u.startswith("https://") for u in ds.urls)
        assert ds.licence and ds.citation and ds.description
        if ds.sha256 is None:
            assert "NOT PINNED" in ds.note
        else:
            assert re.fullmatch(r"[0-9a-f]{64}", ds.sha256)
    assert data_scripts.REGISTRY["creditcard"].sha256 is None
    assert "284,807" in data_scripts.REGISTRY["creditcard"].description


def test_command_line(tmp_path):
    env = {"CONVLAB_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "data_scripts", "list"], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0
    for word in ("digits", "creditcard", "mnist", "cifar10", "NOT PINNED", str(tmp_path)):
        assert word in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "data_scripts", "fetch", "creditcard"], cwd=REPO,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 1 and "--unverified" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "data_scripts", "fetch", "nothing"], cwd=REPO,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def creditcard_csv(rows: int = 2_000) -> bytes:
    """A file in the exact layout of the real creditcard.csv: quoted header, the class quoted
    ("0"/"1"), Time in whole seconds, V1..V28 with many decimals, Amount with two."""
    from convlab import fraud
    values = fraud.synthetic_creditcard(n=rows, seed=3).values
    lines = [",".join(f'"{c}"' for c in fraud.COLUMNS)]
    for r in values:
        lines.append(",".join([f"{r[0]:.0f}"] + [repr(float(v)) for v in r[1:29]]
                              + [f"{r[29]:.2f}", f'"{int(r[30])}"']))
    return ("\n".join(lines) + "\n").encode()


def test_real_creditcard_path_from_download_to_split(server, cache, monkeypatch, capsys):
    """The real-data path of chapter 7, end to end without the internet: fetch a file laid out
    like creditcard.csv (checksum verified), then load it and split it as the chapter does; the
    result is labelled as the real data set, never as synthetic."""
    from dataclasses import replace
    from convlab import fraud
    payload = creditcard_csv()
    Handler.files["/creditcard.csv"] = payload
    monkeypatch.setitem(data_scripts.REGISTRY, "creditcard", replace(
        data_scripts.REGISTRY["creditcard"], urls=(f"{server}/creditcard.csv",),
        sha256=hashlib.sha256(payload).hexdigest(), size=len(payload)))
    with pytest.raises(DatasetMissing, match="fetch creditcard"):
        data_scripts.cached_path("creditcard")
    assert fraud.load_creditcard().synthetic             # offline: the labelled stand-in
    assert "SYNTHETIC" in capsys.readouterr().out
    path = fetch("creditcard")
    data = fraud.load_creditcard()
    assert not data.synthetic and data.source == str(path)
    assert "SYNTHETIC" not in data.label + data.summary() and "real data set" in data.summary()
    expected = fraud.synthetic_creditcard(n=2_000, seed=3).values
    assert data.values.shape == (2_000, 31)
    np.testing.assert_array_equal(data.column("Class"), expected[:, 30])
    np.testing.assert_allclose(data.values[:, 1:29], expected[:, 1:29], rtol=0, atol=1e-12)
    split = fraud.prepare(data)
    assert not split.synthetic and split.x_train.shape[1] == 29
    assert len(split.y_val) + len(split.y_test) == 2_000 - int(0.6 * 2_000)
    assert fraud.load_creditcard(max_rows=100).values.shape == (100, 31)


def cifar_archive(per_batch: int = 12) -> tuple:
    """A .tar.gz laid out like cifar-10-python.tar.gz (cifar-10-batches-py/data_batch_1..5 and
    test_batch, pickled dicts with b"data" (N, 3072) uint8 and b"labels"); returns (bytes, rows)."""
    import pickle
    import tarfile
    rng = np.random.default_rng(5)
    rows, buf = {}, io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]:
            data = rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8)
            labels = [int(v) for v in rng.integers(0, 10, per_batch)]
            rows[name] = (data, labels)
            blob = pickle.dumps({b"batch_label": name.encode(), b"labels": labels, b"data": data})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buf.getvalue(), rows


def test_cifar10_path_from_download_to_tf_data(server, cache, monkeypatch, capsys):
    """Chapter 6's CIFAR-10 path without the internet: fetch an archive laid out like the real
    one (checksum verified), read its pickled batches, check the (N, 3072) -> (N, 32, 32, 3)
    layout pixel by pixel, batch it with tf.data, and run the zero-init experiment on it."""
    from dataclasses import replace
    from convlab import cnn
    payload, rows = cifar_archive()
    Handler.files["/cifar.tar.gz"] = payload
    monkeypatch.setitem(data_scripts.REGISTRY, "cifar10", replace(
        data_scripts.REGISTRY["cifar10"], urls=(f"{server}/cifar.tar.gz",),
        sha256=hashlib.sha256(payload).hexdigest(), size=len(payload)))
    assert cnn.load_cifar10() is None and "fetch cifar10" in capsys.readouterr().out
    fetch("cifar10")
    data = cnn.load_cifar10()
    assert "CIFAR-10" in capsys.readouterr().out
    assert data.x_train.shape == (60, 32, 32, 3) and data.x_test.shape == (12, 32, 32, 3)
    assert data.x_train.dtype == np.float32 and 0 <= data.x_train.min() and data.x_train.max() <= 1
    first = rows["data_batch_1"][0][0]
    # pixel (r, c) of channel ch is byte ch*1024 + r*32 + c of the row
    for ch, r, c in [(0, 0, 0), (1, 5, 7), (2, 31, 30)]:
        assert data.x_train[0, r, c, ch] == np.float32(first[ch * 1024 + r * 32 + c] / 255.0)
    assert list(data.y_train[:12]) == rows["data_batch_1"][1]
    assert list(data.y_test) == rows["test_batch"][1]
    x, y = next(iter(cnn.cifar_pipeline(data.x_train, data.y_train, batch_size=16)))
    assert tuple(x.shape) == (16, 32, 32, 3) and tuple(y.shape) == (16, 10)
    np.testing.assert_array_equal(np.asarray(y).sum(axis=1), 1)
    zeros = cnn.symmetry_experiment(data, "zeros", epochs=1, filters=4)
    assert zeros.filter_spread == 0 and zeros.gradient_spread == 0
