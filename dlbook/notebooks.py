"""The notebooks beside the chapter scripts, generated from them: `python -m dlbook.notebooks`.

A script is the one source. Its notebook (vae.py -> vae.ipynb, in the same folder) is: a title
cell (the book's section, in Chinese and English, and the script's docstring); a first code cell
where one line switches to the quick setting of `reproduce.py --quick`; then the script's own
lines, cut into cells at its section comments, each under a markdown cell with the book's heading
(Chinese and English). The last cell is the script's `if __name__ == "__main__":` line, which runs
it; figures show inline and are written to figures/ as from the terminal. Committed without
outputs; `--stale` (and the test suite) fails when a script changed and its notebook was not
regenerated.
"""
import argparse
import re

import nbformat

from . import cli, sections
from .paths import REPO_ROOT

SCRIPTS = sections.SCRIPTS
CAPTION = sections.BOOK_CAPTIONS

# The book's step headings (Chinese) inside a script, keyed by the start of the script's section
# comment; the English heading is the comment itself. (Each section's title: dlbook.sections.)
HEADINGS = {
    "perceptron": {"---- 6.4.1": "6.4.1 神经元结构", "---- 6.4.2": "6.4.2 感知机的局限",
                   "---- 6.4.3": "6.4.3 多层神经网络", "---- Figures": "书中的图6-22至图6-28(由本次运行的数值画出)"},
    "xor_tensorflow": {"(1)": "(1)明确输入数据、目标数据", "(2)": "(2)确定网络架构 (3)确定几个函数",
                       "(4)": "(4)初始化权重和偏移量等参数", "(5)": "(5)循环迭代 (6)最后打印输出"},
    "backprop_manual": {"---- Part 1": "单个神经元:前向传播,反向传播", "---- Part 2": "多层神经网络:计算总误差,反向传播",
                        "---- Figs 6-30": "书中的图6-30至图6-35(由本次运行的数值画出)"},
    "keras_mlp": {"(1)": "数据", "(2)": "模型"},
    "vae": {"(1)": "(1)导入必要的包", "(2)": "(2)定义一些超参数", "(3)": "(3)对数据集进行预处理",
            "(4)": "(4)构建AVE模型", "(5)": "(5)选择GPU及优化器", "(6)": "(6)训练模型,同时保存原图像与随机生成的图像",
            "(7)": f"(7)展示原图像及重构图像 ({CAPTION['Fig 8-4']})",
            "(8)": f"(8)显示由潜在空间点Z生成的新图像 ({CAPTION['Fig 8-5']})"},
    "gan": {"8.3.1": "8.3.1 判别器", "8.3.2": "8.3.2 生成器", "8.3.3": "8.3.3 训练模型",
            "8.3.4": f"8.3.4 可视化结果 ({CAPTION['Fig 8-7']})"},
    "autoencoder": {"(1)": f"8.1.1 自编码器 ({CAPTION['Fig 8-1']})"},
    "vae_vs_gan": {"(2)": CAPTION["Fig 8-8"]},
    "cgan": {"Fig 8-9": CAPTION["Fig 8-9"]},
}
# The first code cell finds the repository (for dlbook and the sibling scripts), whether or not
# `pip install -e .` ran; a notebook opened alone (Colab, Kaggle) says what to type instead.
BOOTSTRAP = """import sys
from pathlib import Path

# Where is this notebook's repository? 找到本仓库(dlbook 与同目录脚本)。
root = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "dlbook" / "__init__.py").is_file()), None)
if root is None:
    # SystemExit shows the reason alone, without a traceback that would hide it
    raise SystemExit("This notebook needs its repository (the dlbook package and the scripts beside it).\\n"
                     "In Colab or Kaggle, run these in a cell, then this notebook again:\\n"
                     "  !git clone <this repository's URL> dlbook-companion\\n"
                     "  %cd dlbook-companion/{folder}\\n"
                     "The host already has PyTorch, TensorFlow, NumPy and Matplotlib: install nothing else "
                     "(README: Hosted notebooks).")
sys.path[:0] = [str(root), str(root / "{folder}")]
"""
SECTION = re.compile(r"^# (?:---- )?(\(\d\)|\d\.\d(?:\.\d)?|Fig \d-\d+|[A-Z][a-z]+)")


def quick_flags(script):
    """The flags of `reproduce.py --quick` for this script (its own row of the book's table)."""
    return list(sections.of_script(script).quick)


def cells(script, root=REPO_ROOT):
    """[(kind, source)] of the notebook for `script` (a path relative to `root`)."""
    folder, name = script.rsplit("/", 1)[0], script.rsplit("/", 1)[1][:-3]
    text = (root / script).read_text(encoding="utf-8")
    doc, body = re.match(r'"""(.*?)"""\n(.*)', text, re.S).groups()
    title = f"# {sections.of_script(script).title_zh}\n\n**{doc.splitlines()[0]}**\n\n" + "\n".join(doc.splitlines()[1:]).strip()
    out = [("markdown", title + f"\n\nGenerated from `{name}.py` by `python -m dlbook.notebooks`: edit the script, "
                                f"then regenerate. 由 `{name}.py` 生成;请修改脚本后重新生成。"),
           ("code", f"# The book's settings; QUICK = True runs the short setting of `reproduce.py --quick`.\n"
                    f"# 书中的设置;QUICK = True 为快速运行。\nQUICK = False\n\n{BOOTSTRAP.format(folder=folder)}\n"
                    f"sys.argv = [{name + '.py'!r}] + ({quick_flags(script)!r} if QUICK else [])\n"
                    f"__file__ = str(root / {script!r})  # the script this notebook is: its manifest names it")]
    chunk = []
    for line, previous in zip(body.splitlines(), [""] + body.splitlines()):
        starts = (line.startswith("# ") and not previous.strip()) or line.startswith('if __name__ == "__main__":')
        if starts and any(s.strip() for s in chunk):
            out.append(("code", "\n".join(chunk).strip("\n")))
            chunk = []
        if starts and SECTION.match(line):
            heading = line[2:].strip("- ").strip()
            key = next((k for k in HEADINGS.get(name, {}) if heading.startswith(k.lstrip("- "))), None)
            zh = HEADINGS[name][key] if key else ""
            out.append(("markdown", f"## {zh}\n\n{heading}" if zh else f"## {heading}"))
        chunk.append(line)
    out.append(("code", "\n".join(chunk).strip("\n")))
    return out


def notebook(script, root=REPO_ROOT):
    """The notebook for `script` as nbformat 4 JSON text, without outputs, checked against the schema."""
    new_cell = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    nb = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    nb.cells = [new_cell[kind](source, id=f"cell-{i}")  # numbered, not random: regenerating changes nothing
                for i, (kind, source) in enumerate(cells(script, root))]
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def main(argv=None, root=REPO_ROOT):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stale", action="store_true",  # not --check: that is reproduce.py's check of the machine
                        help="write nothing; name each notebook that is not what its script makes, exit 1 if any")
    args = parser.parse_args(argv)
    stale = [s for s in SCRIPTS if not (root / s).with_suffix(".ipynb").exists()
             or (root / s).with_suffix(".ipynb").read_text(encoding="utf-8") != notebook(s, root)]
    for script in stale:
        if args.stale:
            print(f"{script[:-3]}.ipynb is out of date: run python -m dlbook.notebooks")
        else:
            (root / script).with_suffix(".ipynb").write_text(notebook(script, root), encoding="utf-8")
            print(f"wrote {script[:-3]}.ipynb")
    return 1 if stale and args.stale else 0


if __name__ == "__main__":
    cli.start(main)
