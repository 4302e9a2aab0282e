"""Demo: one small generated 四上 list for 马田街道 (GBK CSV, with a few typical faults) so the import history
page has something to show. Idempotent: a file whose hash was already committed is skipped."""

from __future__ import annotations

import random

from enterprises.uscc import ALPHABET, check_char

STREET_CODE = "440311006"
FILE_NAME = "马田街道四上名录_2025_示例.csv"
COMMUNITIES = ["薯田埔", "合水口", "根竹园", "马山头", "石围", "将围", "石家", "新庄"]
INDUSTRIES = ["3982", "3976", "3989", "3581", "2929", "4710", "5191", "5251", "6513", "7010", "6110", "6210"]
WORDS = ["星河", "光明", "华强", "智造", "新材", "精密", "电子", "光电", "医疗", "创新", "汇通", "宏达"]


def make_code(rng: random.Random) -> str:
    body = "91440311" + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_char(body)


def demo_csv(rows: int = 40) -> bytes:
    rng = random.Random(20250611)
    lines = ["2025年马田街道“四上”企业名录", "序 号,统一社会信用代码,企业名称,国民经济行业代码,街道,社区,营业收入（万元）,从业人员"]
    used: set[str] = set()  # one name, one credit code: a real list never gives two firms the same name
    for i in range(1, rows + 1):
        code = make_code(rng)
        name = f"深圳市{rng.choice(WORDS)}{rng.choice(WORDS)}科技有限公司"
        while name in used:
            name = f"深圳市{rng.choice(WORDS)}{rng.choice(WORDS)}科技有限公司"
        used.add(name)
        if i == 7:
            code = code.lower()  # lower case: accepted
        if i == 11:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # wrong check character: rejected
        if i == 17:
            name = name.replace("深圳市", "") + "(深圳) "
        revenue = f"{rng.randint(2000, 90000):,}.{rng.randint(0, 9)}"
        lines.append(f'{i},{code},{name},{rng.choice(INDUSTRIES)},马田街道,{rng.choice(COMMUNITIES)}社区,"{revenue}",'
                     f"{rng.randint(20, 900)}")
    lines.append("注：营业收入为快报数。")
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def load(stdout=None) -> dict:
    from crm.models import Street, User

    from .models import ImportBatch
    from .services import commit_batch, create_batch, sha256_of

    data = demo_csv()
    street = Street.objects.filter(code=STREET_CODE).first()
    if street is None:
        return {"skipped": "no street"}
    committed = ImportBatch.objects.filter(status=ImportBatch.Status.COMMITTED)
    # By name too: a database loaded by an earlier version of this file must not get a second demo list.
    if committed.filter(sha256=sha256_of(data)).exists() or committed.filter(file_name=FILE_NAME).exists():
        return {"skipped": "already imported"}
    actor = User.objects.filter(username="statistician").first()
    batch = create_batch(actor, data, FILE_NAME, "sishang", 2025, street)
    batch = commit_batch(batch.pk)
    if stdout:
        stdout.write(f"名录导入示例：批次 #{batch.pk} {batch.counts}\n")
    return batch.counts
