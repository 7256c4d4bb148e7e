"""`tanhua classify TEXT… | --file F` (DESIGN §7): per text, the proposed focus area and its
confidence, tab-separated, one line per text, in order. `--retrain` retrains the model from
the shipped labelled set and the staff corrections and prints the held-out accuracy."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from tanhua.core.commands import TanhuaCommand
from tanhua.exchange.encodings import Undecodable, decode


class Command(TanhuaCommand):
    help = (
        "为问题描述建议重点方面（A1–A4）及置信度：每段文字输出一行“重点方面<TAB>置信度”，"
        "顺序与输入一致。--file 从文件读取（每行一段）；--retrain 用内置标注集和人工校正"
        "重新训练模型，并输出留出集上的准确率。"
    )

    def add_arguments(self, parser):
        parser.add_argument("texts", nargs="*", metavar="TEXT", help="要分类的问题描述")
        parser.add_argument(
            "--file", metavar="F", help="每行一段问题描述的文本文件（UTF-8 或 GB18030）"
        )
        parser.add_argument("--retrain", action="store_true", help="重新训练模型并输出留出集准确率")

    def handle(self, *args, texts, file, retrain, **options):
        if retrain:
            if texts or file:
                raise CommandError("--retrain 不能与要分类的文字或 --file 同时使用")
            self._retrain()
            return
        if texts and file:
            raise CommandError("请只给出要分类的文字或 --file 之一")
        if file:
            texts = self._read(file)
        if not texts:
            raise CommandError(
                "请给出要分类的文字，或用 --file 指定文件（tanhua classify --help 查看用法）"
            )
        from tanhua.evidence import classifier

        blank = [i for i, t in enumerate(texts) if not t.strip()]
        proposals = classifier.propose([t for t in texts if t.strip()])
        answers = iter(proposals)
        for i, _text in enumerate(texts):
            if i in blank:
                # One line per text, in order: an empty line of the file stays a line.
                self.stdout.write("\t")
                continue
            p = next(answers)
            self.stdout.write(f"{p.focus_area}\t{p.confidence:.2f}")

    def _read(self, name: str) -> list[str]:
        path = Path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"文件“{name}”不存在") from None
        except IsADirectoryError:
            raise CommandError(f"“{name}”是目录，不是文件") from None
        except OSError as exc:
            raise CommandError(f"无法读取文件“{name}”：{exc.strerror or exc}") from None
        try:
            text = decode(data)
        except Undecodable as exc:
            raise CommandError(f"文件“{name}”：{exc}") from None
        lines = text.splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        return lines

    def _retrain(self) -> None:
        from tanhua.evidence.services import retrain_classifier

        result = retrain_classifier(actor=None)
        self.stdout.write(
            f"留出集准确率：{result.accuracy:.1%}（训练 {result.train_size} 条，"
            f"其中人工校正 {result.corrections} 条；留出 {result.test_size} 条）"
        )
        for area, figures in result.per_class.items():
            self.stdout.write(
                f"{area}\t精确率 {figures['precision']:.2f}\t召回率 {figures['recall']:.2f}"
                f"\t样本 {figures['support']}"
            )
        self.stdout.write("模型已更新。")
