"""Input files never reach the network or other files; compressed inputs are bounded.

A local HTTP server on 127.0.0.1 counts every request. Hostile inputs point at it in every way
GDAL knows (GeoJSON ``crs`` links, OGR VRT and GDALG files under a ``.geojson``/``.gpkg``/…
name, ``/vsicurl/`` paths, a GeoPackage SRS given as a URL, a raster VRT under a ``.tif`` name);
each input kind must be refused with an :class:`InputDataError` (CLI: exit 2, one line) and the
server must have seen zero requests. The counter is read after the reader returns: every read
is synchronous, so no waiting is needed.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import http.server
import itertools
import json
import sqlite3
import threading
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from gis_planner import io
from gis_planner._errors import InputDataError
from gis_planner.cli import main
from gis_planner.io._open import check_decompressed_size, format_bytes, read_vector
from gis_planner.partition.store import read_bbox
from gis_planner.settings import options

pytestmark = pytest.mark.filterwarnings("ignore::gis_planner._errors.GisPlannerWarning")


# ------------------------------------------------------------------ the counting server
class _Counter(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.paths: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def requests(self) -> list[str]:
        with self.lock:
            return list(self.paths)


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        server = self.server
        assert isinstance(server, _Counter)
        with server.lock:
            server.paths.append(self.path)
        body = b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]]]'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    do_GET = do_HEAD = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[_Counter]:
    srv = _Counter()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def _no_proxy_bypass(monkeypatch):
    # curl skips a proxy for hosts in NO_PROXY; the test must not depend on the machine's list
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def _control_request_reaches_server(server: _Counter) -> None:
    """The server does answer: a plain request from Python is counted (so zero means zero)."""
    import urllib.request

    before = len(server.requests())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{server.url}/control", timeout=10) as r:
        r.read()
    assert len(server.requests()) == before + 1


# ------------------------------------------------------------------ hostile files
def _point_fc(n: int = 1) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": f"P{i}", "name": f"点{i}", "households": 100,
                                           "category": "wet_market", "community_code": f"C{i}",
                                           "subdistrict_code": "S1", "compound_id": f"P{i}"},
         "geometry": {"type": "Point", "coordinates": [119.90 + i * 1e-4, 32.45]}}
        for i in range(n)]}


def _polygon_fc() -> dict:
    ring = [[119.90, 32.44], [119.91, 32.44], [119.91, 32.45], [119.90, 32.45], [119.90, 32.44]]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"community_code": "C1", "subdistrict_code": "S1",
                                           "name": "一社区", "urban_rural": "urban"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


def _ogr_vrt(url: str) -> str:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/vsicurl/{url}/layer.geojson'
            "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>")


def _gdalg(url: str) -> str:
    return json.dumps({"type": "gdal_streamed_alg",
                       "command_line": f"gdal vector pipeline ! read /vsicurl/{url}/a.geojson ! "
                                       "reproject --dst-crs EPSG:4326"})


def _crs_link(url: str, doc: dict) -> str:
    return json.dumps({**doc, "crs": {"type": "link", "properties": {"href": f"{url}/crs.wkt",
                                                                       "type": "ogcwkt"}}})


HOSTILE: dict[str, tuple[str, Callable[[str, dict], str]]] = {
    # name -> (file suffix, content from the server's URL and an honest document of the kind)
    "geojson crs link": (".geojson", lambda url, doc: _crs_link(url, doc)),
    "OGR VRT as .geojson": (".geojson", lambda url, doc: _ogr_vrt(url)),
    "GDALG as .json": (".json", lambda url, doc: _gdalg(url)),
    "OGR VRT as .gpkg": (".gpkg", lambda url, doc: _ogr_vrt(url)),
    "OGR VRT as .shp": (".shp", lambda url, doc: _ogr_vrt(url)),
    "OGR VRT as .fgb": (".fgb", lambda url, doc: _ogr_vrt(url)),
    "GDALG as .parquet": (".parquet", lambda url, doc: _gdalg(url)),
}
EXPECT = {
    "geojson crs link": "'crs' member is a link to a URL",
    "OGR VRT as .geojson": "the name says GeoJSON but the file holds an OGR VRT",
    "GDALG as .json": "the name says GeoJSON but the file holds a GDALG pipeline",
    "OGR VRT as .gpkg": "the name says GeoPackage but the file holds an OGR VRT",
    "OGR VRT as .shp": "the name says Shapefile but the file holds an OGR VRT",
    "OGR VRT as .fgb": "the name says FlatGeobuf but the file holds an OGR VRT",
    "GDALG as .parquet": "the name says GeoParquet but the file holds a GDALG pipeline",
}


def _readers(tmp_path: Path) -> dict[str, tuple[Callable[[Path], object], dict]]:
    """Every input kind -> (read it, the honest document of that kind)."""
    net_doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"highway": "residential"},
         "geometry": {"type": "LineString", "coordinates": [[119.90, 32.45], [119.91, 32.45]]}}]}
    homes = io.read_compounds(_write(tmp_path / "homes_ok.geojson", json.dumps(_point_fc(3))),
                              metric_crs="EPSG:32650")
    return {
        "network": (lambda p: io.read_network(p), net_doc),
        "compounds": (lambda p: io.read_compounds(p, metric_crs="EPSG:32650"), _point_fc()),
        "gates": (lambda p: io.read_gates(p, compounds=homes), _point_fc()),
        "facilities": (lambda p: io.read_facilities(p, metric_crs="EPSG:32650"), _point_fc()),
        "communities": (lambda p: io.read_communities(p, metric_crs="EPSG:32650"), _polygon_fc()),
        "sub-districts": (lambda p: io.read_subdistricts(p, metric_crs="EPSG:32650"), _polygon_fc()),
        "candidates": (lambda p: io.read_points(p, metric_crs="EPSG:32650"), _point_fc()),
        "partition polygons": (lambda p: io.read_subdistricts(p, metric_crs="EPSG:32650"), _polygon_fc()),
        "partition store layer": (lambda p: read_bbox(p, (0.0, 0.0, 1e7, 1e7)), _point_fc()),
    }


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


KINDS = ("network", "compounds", "gates", "facilities", "communities", "sub-districts",
         "candidates", "partition polygons", "partition store layer")
#: Formats each kind is read from: a store layer is GeoParquet, GeoPackage or FlatGeobuf; a road
#: network is not read from GeoParquet.
CASES = [(kind, name) for kind in KINDS for name, (suffix, _) in HOSTILE.items()
         if not (kind == "partition store layer" and suffix not in (".parquet", ".gpkg", ".fgb"))
         and not (kind == "network" and suffix == ".parquet")]


@pytest.mark.parametrize(("kind", "hostile"), CASES)
def test_hostile_vector_inputs_are_refused_without_a_request(tmp_path, server, kind, hostile):
    read, doc = _readers(tmp_path)[kind]
    suffix, build = HOSTILE[hostile]
    path = _write(tmp_path / f"hostile{suffix}", build(server.url, doc))
    before = len(server.requests())
    with pytest.raises(InputDataError) as info:
        read(path)
    message = str(info.value)
    assert len(server.requests()) == before, server.requests()[before:]
    assert "hostile" in message and EXPECT[hostile] in message
    assert "\n" not in message


def test_the_counting_server_counts(server):
    _control_request_reaches_server(server)


def test_remote_paths_are_refused_without_a_request(tmp_path, server):
    before = len(server.requests())
    for path in (f"/vsicurl/{server.url}/roads.geojson", f"{server.url}/roads.geojson",
                 f"/vsizip//vsicurl/{server.url}/roads.zip/roads.shp"):
        with pytest.raises(InputDataError, match="URL or GDAL virtual path"):
            read_vector(path)
        with pytest.raises(InputDataError, match="URL or GDAL virtual path"):
            io.read_network(path)
    with pytest.raises(InputDataError, match=r"GDAL connection string \(PG:…\)"):
        read_vector("PG:dbname=planning host=127.0.0.1")
    assert server.requests()[before:] == []


def test_gdal_itself_has_no_network_and_no_vrt_after_import(tmp_path, server):
    """The process-wide layer, below the content check: pyogrio's GDAL refuses /vsicurl/, has
    no OGR VRT driver, and does not fetch a GeoJSON ``crs`` link the content check cannot see
    (one placed after the first 64 KiB)."""
    before = len(server.requests())
    drivers = pyogrio.list_drivers()
    assert "OGR_VRT" not in drivers and "GDALG" not in drivers and "GeoJSON" in drivers
    with pytest.raises(Exception):  # noqa: B017 - any GDAL error; what matters is the counter
        pyogrio.read_dataframe(f"/vsicurl/{server.url}/roads.geojson")
    vrt = _write(tmp_path / "layer.vrt", _ogr_vrt(server.url))
    with pytest.raises(Exception):  # noqa: B017
        pyogrio.read_dataframe(vrt)
    late = _point_fc(600)  # > 64 KiB of features before the crs member
    late["crs"] = {"type": "link", "properties": {"href": f"{server.url}/late.wkt", "type": "ogcwkt"}}
    path = _write(tmp_path / "late_link.geojson", json.dumps(late))
    assert path.stat().st_size > 65536
    with contextlib.suppress(InputDataError):  # read or refused: what matters is the counter
        io.read_compounds(path, metric_crs="EPSG:32650")
    assert server.requests()[before:] == []


#: ``crs`` links in the forms GDAL still fetches: members in another order, a JSON escape in
#: the type or in the key (``URL`` stands for the server's address).
HIDDEN_LINKS = {
    "properties before type": '"crs": {"properties": {"href": "URL/a.wkt"}, "type": "link"}',
    "escaped type": '"crs": {"type": "\\u006cink", "properties": {"href": "URL/b.wkt"}}',
    "escaped key": '"\\u0063rs": {"type": "link", "properties": {"href": "URL/c.wkt"}}',
}


def _with_member(member: str, doc: dict) -> str:
    """``doc`` as JSON text with ``member`` (raw JSON text) as its first member."""
    return "{" + member + ", " + json.dumps(doc)[1:]


@pytest.mark.parametrize("form", HIDDEN_LINKS)
def test_crs_links_in_any_order_or_escape_are_refused(tmp_path, server, form):
    member = HIDDEN_LINKS[form].replace("URL", server.url)
    path = _write(tmp_path / "hidden.geojson", _with_member(member, _point_fc()))
    before = len(server.requests())
    with pytest.raises(InputDataError, match=r"hidden\.geojson: the GeoJSON 'crs' member is a "
                                             "link to a URL; .* name the CRS instead"):
        io.read_compounds(path, metric_crs="EPSG:32650")
    assert server.requests()[before:] == []


def test_crs_object_not_closed_in_the_checked_head_is_refused(tmp_path, server):
    # padding pushes the end of the crs object, and a link after it, beyond the first 64 KiB
    member = ('"crs": {"properties": {"note": "' + " " * 70_000
              + f'", "href": "{server.url}/x.wkt"}}, "type": "link"}}')
    path = _write(tmp_path / "padded.geojson", _with_member(member, _point_fc()))
    before = len(server.requests())
    with pytest.raises(InputDataError, match=r"padded\.geojson: the GeoJSON 'crs' member does "
                                             "not end within the first 64 KiB"):
        io.read_compounds(path, metric_crs="EPSG:32650")
    assert server.requests()[before:] == []


def test_crs_given_by_name_is_still_read(tmp_path):
    member = '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}'
    path = _write(tmp_path / "named.geojson", _with_member(member, _point_fc(2)))
    homes = io.read_compounds(path, metric_crs="EPSG:32650")
    assert len(homes) == 2 and homes.crs.to_epsg() == 32650


@pytest.mark.filterwarnings("ignore:Unable to parse srs_id:RuntimeWarning")
def test_geopackage_srs_given_as_a_url_makes_no_request(tmp_path, server):
    path = tmp_path / "homes.gpkg"
    gdf = gpd.GeoDataFrame({"compound_id": ["A"], "households": [10]},
                           geometry=[shapely.Point(119.90, 32.45)], crs=4326)
    gdf.to_file(path, driver="GPKG")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('remote', 990001, 'NONE', 990001, ?, "
                   "'a URL')", (f"{server.url}/srs.wkt",))
        db.execute("UPDATE gpkg_geometry_columns SET srs_id = 990001")
        db.execute("UPDATE gpkg_contents SET srs_id = 990001")
    before = len(server.requests())
    with contextlib.suppress(InputDataError):  # read or refused: what matters is the counter
        io.read_compounds(path, metric_crs="EPSG:32650")
    assert server.requests()[before:] == []


def test_raster_vrt_under_a_tif_name_is_refused(tmp_path, server):
    vrt = ('<VRTDataset rasterXSize="2" rasterYSize="2"><VRTRasterBand dataType="Float32" band="1">'
           f"<SimpleSource><SourceFilename>/vsicurl/{server.url}/pop.tif</SourceFilename>"
           "</SimpleSource></VRTRasterBand></VRTDataset>")
    path = _write(tmp_path / "population.tif", vrt)
    before = len(server.requests())
    with pytest.raises(InputDataError, match=r"population\.tif: cannot read band 1 as a raster: "
                                             r"the name says GeoTIFF but the file holds a GDAL raster VRT"):
        io.households_from_raster(path)
    with pytest.raises(InputDataError, match=r"unsupported raster format '\.vrt'"):
        io.households_from_raster(_write(tmp_path / "population.vrt", vrt))
    assert server.requests()[before:] == []


def test_honest_files_of_every_format_still_read(tmp_path, demo_dir):
    homes = gpd.read_file(demo_dir / "compounds.geojson")
    ref = io.read_compounds(demo_dir / "compounds.geojson", metric_crs="EPSG:32650")
    for suffix, driver in ((".gpkg", "GPKG"), (".fgb", "FlatGeobuf"), (".shp", "ESRI Shapefile")):
        path = tmp_path / f"homes{suffix}"
        homes.rename(columns={"compound_id": "id", "community_code": "comm_code"}).to_file(
            path, driver=driver, encoding="utf-8")  # Shapefile field names: 10 characters
        got = io.read_compounds(path, metric_crs="EPSG:32650")
        assert sorted(got.index) == sorted(ref.index)  # FlatGeobuf stores features sorted
        assert int(got["households"].sum()) == int(ref["households"].sum())
    homes.to_parquet(tmp_path / "homes.parquet")
    got = io.read_compounds(tmp_path / "homes.parquet", metric_crs="EPSG:32650")
    assert int(got["households"].sum()) == int(ref["households"].sum())
    assert io.households_from_raster(demo_dir / "population.tif")["population"].sum() > 0


def test_cli_hostile_network_exits_2_with_one_line(demo_dir, tmp_path, capsys, server):
    bad = _write(tmp_path / "roads.geojson", _ogr_vrt(server.url))
    before = len(server.requests())
    capsys.readouterr()
    code = main(["reach", "--network", str(bad), "--households", str(demo_dir / "compounds.geojson"),
                 "--facilities", str(demo_dir / "facilities.csv"), "--coords", "wgs84",
                 "--facility-coords", "gcj02", "--out", str(tmp_path / "out" / "reach.gpkg")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "roads.geojson" in err and "OGR VRT" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "reach.gpkg").exists()
    assert server.requests()[before:] == []


# ------------------------------------------------------------------ compressed inputs
def _osm_xml(n: int = 4) -> bytes:
    """A walkable grid of ``n`` x ``n`` nodes 0.001 degrees apart, one way per row and column."""
    nodes = [f'<node id="{r * n + c + 1}" lon="{121.0 + c * 0.001:.6f}" lat="{31.0 + r * 0.001:.6f}"/>'
             for r in range(n) for c in range(n)]
    ways = []
    for k in range(n):
        row = "".join(f'<nd ref="{k * n + c + 1}"/>' for c in range(n))
        col = "".join(f'<nd ref="{r * n + k + 1}"/>' for r in range(n))
        ways.append(f'<way id="{100 + k}">{row}<tag k="highway" v="residential"/></way>')
        ways.append(f'<way id="{200 + k}">{col}<tag k="highway" v="footway"/></way>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
            + "\n".join(nodes + ways) + "\n</osm>\n").encode()


def test_multistream_bz2_and_multimember_gz_read_completely(tmp_path):
    """pbzip2/lbzip2 write one bzip2 stream per block: all of them must be read."""
    plain = _osm_xml(6)
    ref = io.read_network(_write(tmp_path / "grid.osm", plain))
    cut = [0, len(plain) // 3, 2 * len(plain) // 3, len(plain)]
    parts = [plain[a:b] for a, b in itertools.pairwise(cut)]
    multi_bz2 = _write(tmp_path / "grid.osm.bz2", b"".join(bz2.compress(p) for p in parts))
    multi_gz = _write(tmp_path / "grid.osm.gz", b"".join(gzip.compress(p) for p in parts))
    assert check_decompressed_size(multi_bz2) == len(plain)
    assert check_decompressed_size(multi_gz) == len(plain)
    for path in (multi_bz2, multi_gz):
        net = io.read_network(path)
        assert (net.n_nodes, net.n_edges) == (ref.n_nodes, ref.n_edges)
        assert np.isclose(net.edges["length_m"].sum(), ref.edges["length_m"].sum())


def _bomb(path: Path, *, mib: int, kind: str) -> Path:
    """``mib`` MiB of repeated OSM node lines: one compressed MiB written ``mib`` times, as
    concatenated streams (compressing it all at once would take half a minute)."""
    line = b'<node id="1" lon="121.0" lat="31.0"/>\n'
    chunk = line * ((1 << 20) // len(line))
    head = b'<?xml version="1.0"?>\n<osm version="0.6">\n'
    compress = bz2.compress if kind == "bz2" else gzip.compress
    packed = compress(chunk)
    with path.open("wb") as f:
        f.write(compress(head))
        for _ in range(mib):
            f.write(packed)
    return path


@pytest.mark.parametrize("kind", ["bz2", "gz"])
def test_osm_bomb_is_refused_in_bounded_memory(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(options, "max_decompressed_bytes", 4 << 20)
    bomb = _bomb(tmp_path / f"province.osm.{kind}", mib=48, kind=kind)
    assert bomb.stat().st_size < (1 << 20)  # a small file ...
    tracemalloc.start()
    try:
        with pytest.raises(InputDataError) as info:
            check_decompressed_size(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB"  # ... measured a chunk at a time
    message = str(info.value)
    assert "province.osm" in message and "more than 4 MiB" in message
    assert "max_decompressed_bytes" in message and "\n" not in message
    with pytest.raises(InputDataError, match=r"province\.osm\..*more than 4 MiB"):
        io.read_network(bomb)
    with pytest.raises(InputDataError, match=r"province\.osm\..*more than 4 MiB"):
        io.read_osm_facilities(bomb, metric_crs="EPSG:32651")


def test_osm_bomb_cli_exits_2_with_one_line(demo_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(options, "max_decompressed_bytes", 2 << 20)
    bomb = _bomb(tmp_path / "town.osm.bz2", mib=8, kind="bz2")
    capsys.readouterr()
    code = main(["reach", "--network", str(bomb), "--households", str(demo_dir / "compounds.geojson"),
                 "--facilities", str(demo_dir / "facilities.csv"), "--coords", "wgs84",
                 "--facility-coords", "gcj02", "--out", str(tmp_path / "out" / "reach.gpkg")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "town.osm.bz2" in err and "more than 2 MiB" in err


def test_cut_off_bz2_is_refused(tmp_path):
    raw = bz2.compress(_osm_xml(8))
    cut = _write(tmp_path / "cut.osm.bz2", raw[: len(raw) // 2])
    with pytest.raises(InputDataError, match=r"cut\.osm\.bz2: the bz2 stream ends early"):
        io.read_network(cut)


def test_gmns_zip_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(options, "max_decompressed_bytes", 1 << 20)
    path = tmp_path / "net.zip"
    row = b"1,121.0,31.0\n"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("link.csv", "link_id,from_node_id,to_node_id\n1,1,2\n")
        with z.open("node.csv", "w") as f:
            f.write(b"node_id,x_coord,y_coord\n")
            for _ in range(8):
                f.write(row * ((1 << 20) // len(row)))
    assert path.stat().st_size < (1 << 20)
    with pytest.raises(InputDataError, match=r"net\.zip:node\.csv: decompresses to more than 1 MiB"):
        io.read_network(path)


def test_gmns_zip_under_the_limit_still_reads(tmp_path):
    nodes = "node_id,x_coord,y_coord\n1,121.0,31.0\n2,121.001,31.0\n3,121.001,31.001\n"
    links = ("link_id,from_node_id,to_node_id,link_type_name\n1,1,2,residential\n"
             "2,2,3,residential\n")
    path = tmp_path / "net.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("node.csv", nodes)
        z.writestr("link.csv", links)
    assert io.read_network(path).n_edges == 2


def test_the_limit_is_a_checked_setting():
    assert options.max_decompressed_bytes == 4 * 2**30
    for bad in (0, -1, 1.5, "4G", True):
        with pytest.raises(ValueError, match="max_decompressed_bytes must be a positive number"):
            options.max_decompressed_bytes = bad  # type: ignore[assignment]
    assert options.max_decompressed_bytes == 4 * 2**30
    assert format_bytes(4 * 2**30) == "4 GiB" and format_bytes(1536) == "1.5 KiB"


def _attribute_fields() -> dict:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Field:
        label_zh: str
        type: str

    return {"staff": Field("工作人员", "number")}


def test_workbook_bomb_and_fake_workbook_are_refused(tmp_path, monkeypatch):
    from gis_planner.io.attributes import read_attribute_table

    good = tmp_path / "attrs.xlsx"
    with zipfile.ZipFile(good, "w") as z:  # not a real workbook: only its size matters here
        z.writestr("xl/worksheets/sheet1.xml", b"<x/>" * 100)
    bomb = tmp_path / "bomb.xlsx"
    with (zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z,
          z.open("xl/worksheets/sheet1.xml", "w") as f):
        for _ in range(8):
            f.write(b"<c/>" * (1 << 18))
    monkeypatch.setattr(options, "max_decompressed_bytes", 1 << 20)
    with pytest.raises(InputDataError, match=r"bomb\.xlsx: decompresses to more than 1 MiB"):
        read_attribute_table(bomb, fields=_attribute_fields())
    fake = _write(tmp_path / "fake.xlsx", '<?xml version="1.0"?><Workbook/>')
    with pytest.raises(InputDataError, match=r"fake\.xlsx: not a zip archive .* holds XML"):
        read_attribute_table(fake, fields=_attribute_fields())
    with pytest.raises(InputDataError, match=r"attrs\.xlsx: cannot read the workbook"):
        read_attribute_table(good, fields=_attribute_fields())  # under the limit: openpyxl reads it


def test_real_workbook_still_reads(tmp_path):
    from gis_planner.io.attributes import read_attribute_table

    path = tmp_path / "attrs.xlsx"
    import pandas as pd

    pd.DataFrame({"community_code": ["001", "002"], "staff": ["12", "3"]}).to_excel(path, index=False)
    df = read_attribute_table(path, fields=_attribute_fields())
    assert df.index.tolist() == ["001", "002"] and df["staff"].tolist() == [12.0, 3.0]
