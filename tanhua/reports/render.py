"""PDF and page images of a Word document through LibreOffice, where it is installed.

The documents name the official faces (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体),
which the recipients have; here fontconfig maps them to Noto CJK (Debian fonts-noto-cjk)
for LibreOffice only, through a fonts.conf of our own that includes the system's. Each run
gets its own LibreOffice profile: two conversions at once (two workers, several helpers on
one machine) would otherwise fight over one profile's lock and one of them fail."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"
# Official face → the face that renders it here.
FONT_MAP = {
    "仿宋_GB2312": SERIF,
    "仿宋": SERIF,
    "FangSong": SERIF,
    "方正小标宋简体": SERIF,
    "小标宋": SERIF,
    "宋体": SERIF,
    "SimSun": SERIF,
    "楷体_GB2312": SERIF,
    "楷体": SERIF,
    "KaiTi": SERIF,
    "黑体": SANS,
    "SimHei": SANS,
}
TIMEOUT = 180


class RenderUnavailable(RuntimeError):
    """LibreOffice (or pdftoppm) is not installed here."""


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def cjk_font_file() -> str | None:
    """A Noto CJK font file for matplotlib's charts (found at run time: paths differ)."""
    for pattern in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/**/NotoSansCJK*Regular*.tt[cf]",
        "/usr/share/fonts/**/NotoSerifCJK*Regular*.tt[cf]",
        "/usr/share/fonts/**/*CJK*.tt[cf]",
    ):
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None


def _fonts_conf(directory: Path) -> Path:
    aliases = "\n".join(
        f"  <alias binding='same'><family>{name}</family><prefer><family>{face}</family>"
        f"</prefer></alias>"
        for name, face in FONT_MAP.items()
    )
    path = directory / "fonts.conf"
    path.write_text(
        "<?xml version='1.0'?>\n<!DOCTYPE fontconfig SYSTEM 'fonts.dtd'>\n<fontconfig>\n"
        "  <include ignore_missing='yes'>/etc/fonts/fonts.conf</include>\n"
        f"{aliases}\n</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def to_pdf(docx: bytes) -> bytes:
    """The PDF LibreOffice makes of the document; RenderUnavailable where it is absent."""
    exe = soffice()
    if exe is None:
        raise RenderUnavailable("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="tanhua-render-") as tmp:
        work = Path(tmp)
        src = work / "report.docx"
        src.write_bytes(docx)
        env = {
            **os.environ,
            "HOME": str(work),
            "FONTCONFIG_FILE": str(_fonts_conf(work)),
        }
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation=file://{work / 'profile'}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(src),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
        )
        out = work / "report.pdf"
        if not out.exists():
            raise RenderUnavailable("LibreOffice made no PDF")
        return out.read_bytes()


def page_images(pdf: bytes, out_dir: Path, *, dpi: int = 60, prefix: str = "page") -> list[Path]:
    """PNG images of the PDF's pages (pdftoppm, poppler-utils) in `out_dir`."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RenderUnavailable("pdftoppm (poppler-utils) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    src = out_dir / f"{prefix}.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [exe, "-png", "-r", str(dpi), str(src), str(out_dir / prefix)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    return sorted(out_dir.glob(f"{prefix}-*.png"))
