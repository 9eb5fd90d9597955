"""Matching benchmark: how well `matching.offers_for(need)` finds the offers that fit a need,
on a labelled synthetic set, and how long one match takes.

    python -m bench.bench_matching                     # make bench
    python -m bench.bench_matching --offers 400 --needs 300 --seed 7

Each topic of TOPICS is one technology: its field, its name (with the Chinese and English
synonyms that marketplace/search/synonyms.txt gives it) and its own technical vocabulary
(Chinese, with English words). The offers are registered achievements written about one
topic each (its name, or a Chinese synonym of it, or — a quarter of them — only words of its
vocabulary, in sentences of everyday technical Chinese that every topic shares; related
topics share some words (并网, 磷酸铁锂, 氢气 …), some offers mention another topic in passing,
and most carry an English title); a third of them are also listed (a listing is indexed as an
offer of its own). The needs are written about one topic each, in three ways:

  chinese    Chinese, with the topic's name and some of its vocabulary;
  english    English only: the topic's English name and vocabulary;
  synonyms   Chinese naming the topic only by a synonym (瓦斯 for 煤层气, or its English
             name), with no other word of its vocabulary.

An offer is relevant to a need when it is about the need's topic. Printed per kind of need:
recall@10 (the share of the relevant offers among the ten matches, out of at most ten: the
relevant count is capped at 10, so a perfect top ten scores 1), MRR (1 / rank of the first
relevant match, 0 if none in the ten), R-recall (the share of all the relevant offers among
the first R matches, R their number: it shows whether the offers that do not use the need's
words are found at all) and the needs with no relevant match in the ten; and the
time of one `offers_for` call (the index query, the records' SQL load and the shared terms),
p50 and p95. Each size gets a fresh SQLite database (from the migrations) and index in a
temporary folder; the index is built by the real `rebuild()`. It prints numbers; it asserts
nothing.
"""
import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from bench.corpus import (
    ADJECTIVES,
    ADJECTIVES_EN,
    APPLICATIONS,
    METHODS,
    METRICS,
    PLACES,
    PROBLEMS,
    SITES,
)
from bench.search_bench import make_app, percentile

SEED = 20260601

# field, the topic's name, [(Chinese word of its vocabulary, English)]. The synonyms of the
# name come from the synonym table.
TOPICS = [
    ("coal", "煤层气", [("水平井", "horizontal well"), ("排采", "dewatering"),
                       ("储层", "reservoir"), ("抽采", "extraction"), ("煤矿", "coal mine")]),
    ("coal", "煤矸石", [("陶粒", "ceramsite"), ("充填", "backfill"), ("烧结砖", "fired brick"),
                       ("固废", "solid waste"), ("煤矿", "coal mine")]),
    ("coal", "焦化", [("焦炉", "coke oven"), ("焦炭", "coke"), ("煤焦油", "coal tar"),
                     ("化产回收", "by-product recovery"), ("废水", "wastewater")]),
    ("coal", "液压支架", [("综采工作面", "longwall face"), ("立柱", "leg cylinder"),
                         ("电液控制", "electro-hydraulic control")]),
    ("power", "储能", [("电池簇", "battery cluster"), ("调峰", "peak shaving"),
                      ("液冷", "liquid cooling"), ("储能电站", "storage station"),
                      ("磷酸铁锂", "LFP"), ("热管理", "thermal management")]),
    ("power", "光伏", [("组件", "module"), ("逆变器", "inverter"), ("跟踪支架", "tracker"),
                      ("运维", "maintenance"), ("并网", "grid connection")]),
    ("power", "风电", [("叶片", "blade"), ("齿轮箱", "gearbox"), ("变桨", "pitch control"),
                      ("测风", "wind measurement"), ("并网", "grid connection")]),
    ("power", "智能电网", [("配电网", "distribution network"), ("负荷预测", "load forecasting"),
                          ("继电保护", "relay protection"), ("并网", "grid connection")]),
    ("materials", "石墨烯", [("导热膜", "thermal film"), ("分散", "dispersion"),
                            ("涂料", "coating"), ("散热", "heat dissipation")]),
    ("materials", "镁合金", [("压铸", "die casting"), ("挤压", "extrusion"),
                            ("轻量化", "lightweighting"), ("稀土", "rare earth")]),
    ("materials", "碳纤维", [("原丝", "precursor"), ("预浸料", "prepreg"),
                            ("复合材料", "composite"), ("碳化", "carbonisation"),
                            ("轻量化", "lightweighting")]),
    ("materials", "碳化硅", [("衬底", "substrate"), ("外延", "epitaxy"),
                            ("功率器件", "power device"), ("晶体生长", "crystal growth")]),
    ("equipment", "工业机器人", [("减速器", "reducer"), ("焊接", "welding"),
                                ("码垛", "palletising"), ("示教", "teaching")]),
    ("equipment", "数控机床", [("主轴", "spindle"), ("五轴", "five-axis"), ("刀具", "cutter"),
                              ("数控系统", "numerical control")]),
    ("equipment", "增材制造", [("金属粉末", "metal powder"), ("选区熔化", "selective melting"),
                              ("打印头", "print head")]),
    ("equipment", "预测性维护", [("振动监测", "vibration monitoring"), ("轴承", "bearing"),
                                ("剩余寿命", "remaining life"), ("传感器", "sensor")]),
    ("electronics", "无人机", [("巡检", "inspection"), ("避障", "obstacle avoidance"),
                              ("航线", "flight route"), ("续航", "endurance"),
                              ("图像识别", "image recognition")]),
    ("electronics", "机器视觉", [("缺陷检测", "defect detection"),
                                ("工业相机", "industrial camera"), ("标定", "calibration"),
                                ("图像识别", "image recognition")]),
    ("electronics", "物联网", [("网关", "gateway"), ("传感网", "sensor network"),
                              ("低功耗", "low power"), ("远程监控", "remote monitoring"),
                              ("传感器", "sensor")]),
    ("electronics", "北斗", [("定位", "positioning"), ("授时", "timing"),
                            ("形变监测", "deformation monitoring")]),
    ("environment", "污水处理", [("生化", "biological treatment"), ("膜分离", "membrane"),
                                ("脱氮", "nitrogen removal"), ("污泥", "sludge")]),
    ("environment", "脱硫", [("烟气", "flue gas"), ("石灰石", "limestone"),
                            ("吸收塔", "absorber"), ("石膏", "gypsum")]),
    ("environment", "土壤修复", [("重金属", "heavy metal"), ("淋洗", "soil washing"),
                                ("钝化", "immobilisation"), ("污染场地", "contaminated site")]),
    ("environment", "余热回收", [("换热器", "heat exchanger"), ("热泵", "heat pump"),
                                ("有机朗肯循环", "organic rankine cycle")]),
    ("nev", "燃料电池", [("电堆", "stack"), ("膜电极", "membrane electrode"),
                        ("催化剂", "catalyst"), ("双极板", "bipolar plate"),
                        ("氢气", "hydrogen")]),
    ("nev", "动力电池", [("电芯", "cell"), ("梯次利用", "second-life use"),
                        ("回收", "recycling"), ("一致性", "consistency"),
                        ("磷酸铁锂", "LFP"), ("热管理", "thermal management")]),
    ("nev", "充电桩", [("快充", "fast charging"), ("有序充电", "smart charging"),
                      ("功率模块", "power module"), ("功率器件", "power device")]),
    ("nev", "氢能", [("加氢站", "refuelling station"), ("储氢", "hydrogen storage"),
                    ("氢气压缩", "compression"), ("氢气", "hydrogen")]),
    ("biomedicine", "中药", [("提取", "extraction"), ("饮片", "decoction pieces"),
                            ("有效成分", "active ingredient"), ("质量标准", "quality standard"),
                            ("黄酮", "flavonoids")]),
    ("biomedicine", "医疗器械", [("体外诊断", "in vitro diagnostics"), ("灭菌", "sterilisation"),
                                ("医学影像", "medical imaging")]),
    ("biomedicine", "疫苗", [("佐剂", "adjuvant"), ("抗原", "antigen"),
                            ("免疫原性", "immunogenicity"), ("冻干", "freeze drying")]),
    ("biomedicine", "药物制剂", [("缓释", "sustained release"), ("片剂", "tablet"),
                                ("溶出度", "dissolution")]),
    ("agriculture", "红枣", [("果脯", "preserves"), ("枣粉", "powder"), ("烘干", "drying"),
                            ("裂果", "fruit cracking"), ("深加工", "deep processing")]),
    ("agriculture", "核桃", [("核桃油", "walnut oil"), ("青皮", "green husk"),
                            ("脱壳", "shelling"), ("核桃乳", "walnut milk"),
                            ("深加工", "deep processing")]),
    ("agriculture", "沙棘", [("沙棘油", "oil"), ("果汁", "juice"), ("黄酮", "flavonoids"),
                            ("提取", "extraction"), ("深加工", "deep processing")]),
    ("agriculture", "白酒", [("酿造", "brewing"), ("窖池", "fermentation pit"),
                            ("酒曲", "starter culture"), ("勾调", "blending")]),
    ("culture", "文旅", [("景区", "scenic area"), ("智慧导览", "smart guide"),
                        ("客流", "visitor flow"), ("民宿", "homestay"),
                        ("数字化", "digitisation")]),
    ("culture", "虚拟现实", [("沉浸式", "immersive"), ("头显", "headset"),
                            ("数字展馆", "digital museum"), ("数字化", "digitisation")]),
    ("culture", "三维重建", [("激光扫描", "laser scanning"), ("古建筑", "ancient building"),
                            ("点云", "point cloud"), ("数字化", "digitisation")]),
]
KINDS = ("chinese", "english", "synonyms")
UNNAMED = 0.25  # offers that name their topic only by its vocabulary (and 0.2: by a synonym)
SUFFIXES = [("技术", "technology"), ("工艺", "process"), ("系统", "system"),
            ("装置", "device"), ("关键技术研究", "key technologies"), ("成套设备", "equipment"),
            ("优化设计", "optimised design"), ("示范工程", "demonstration")]
OFFER_CLAUSES = [
    "针对{place}地区{name}{ctx}{problem}的问题，研发了{adj}{name}{ctx2}{suffix}。",
    "该成果采用{method}与{ctx}相结合的方法，{metric}提高{n}%以上。",
    "项目以{name}为核心，集成{method}，实现了{ctx2}全过程的{adj}控制。",
    "已在{place}{site}等地推广应用，累计新增产值{money}万元。",
    "经第三方检测，{metric}达到{n}%，{ctx}性能稳定。",
    "可广泛应用于{application}、{application2}等领域，市场前景广阔。",
    "形成发明专利{k}项、企业标准{k2}项。",
    "解决了{ctx2}过程中{problem}的难题，具有{adj}、易推广的特点。",
]
NEED_ZH = [
    "我公司位于{place}{site}，现有{name}{ctx}{problem}，{metric}偏低，",
    "需要{adj}{name}{ctx2}技术，",
    "要求{metric}提高{n}%以上，",
    "可采用技术许可或委托开发方式合作，用于{application}。",
]
NEED_SYNONYM = [
    "我公司位于{place}{site}，在{application}中遇到{problem}的问题，",
    "寻求成熟的{name}相关技术与合作团队，",
    "要求{metric}提高{n}%以上，可采用技术许可或委托开发方式合作。",
]
NEED_EN = [
    "Our company in {place_en} needs {adj_en} {ctx} technology for {name}.",
    "We want to improve {ctx2} and cut costs by {n}%.",
    "Licensing or commissioned development are both welcome.",
]
PLACES_EN = ["Lüliang", "Xiaoyi", "Fenyang", "Liulin", "Taiyuan", "Jiaocheng"]


class Topic:
    def __init__(self, number, field, name, vocabulary, groups):
        self.number, self.field, self.name = number, field, name
        self.vocabulary = vocabulary
        group = next((g for g in groups if name in g), ())
        self.zh_synonyms = [n for n in group if n != name and not n.isascii()]
        self.en_names = [n for n in group if n.isascii()]

    @property
    def en_name(self):
        return self.en_names[0] if self.en_names else None


def topics():
    from marketplace.search.analysis import synonym_groups

    return [Topic(i, field, name, vocabulary, synonym_groups())
            for i, (field, name, vocabulary) in enumerate(TOPICS)]


def _values(rng, name, vocabulary):
    ctx, ctx2 = (rng.sample(vocabulary, 2) if len(vocabulary) > 1 else vocabulary * 2)
    return dict(name=name, ctx=ctx[0], ctx2=ctx2[0], adj=rng.choice(ADJECTIVES),
                place=rng.choice(PLACES), site=rng.choice(SITES), problem=rng.choice(PROBLEMS),
                method=rng.choice(METHODS), metric=rng.choice(METRICS),
                application=rng.choice(APPLICATIONS), application2=rng.choice(APPLICATIONS),
                n=rng.randint(5, 60), money=rng.randint(50, 9000), k=rng.randint(1, 12),
                k2=rng.randint(1, 5), suffix=rng.choice(SUFFIXES)[0]), ctx, ctx2


def offers(count, all_topics, rng):
    """`count` offers: (topic, achievement columns), the topics in turn."""
    for i in range(count):
        topic = all_topics[i % len(all_topics)]
        draw = rng.random()
        if draw < UNNAMED:  # the topic's vocabulary only
            name = rng.choice(topic.vocabulary)[0]
        elif draw < UNNAMED + 0.2 and topic.zh_synonyms:
            name = rng.choice(topic.zh_synonyms)
        else:
            name = topic.name
        values, ctx, ctx2 = _values(rng, name, topic.vocabulary)
        suffix, suffix_en = rng.choice(SUFFIXES)
        title = (f"基于{values['method']}的{name}{ctx[0]}{suffix}" if rng.random() < 0.3
                 else f"{values['adj']}{name}{ctx[0]}{suffix}")
        title_en = ""
        if rng.random() < 0.6:
            title_en = (f"{ADJECTIVES_EN[values['adj']]} {ctx[1]} "
                        f"{'for ' + topic.en_name if topic.en_name else ''} {suffix_en}")
            title_en = " ".join(title_en.split())
        clauses = [OFFER_CLAUSES[0]] + rng.sample(OFFER_CLAUSES[1:], rng.randint(2, 4))
        summary = "".join(c.format(**values) for c in clauses)
        if rng.random() < 0.3:  # another topic in passing
            other = rng.choice([t for t in all_topics if t is not topic])
            summary += f"该技术也可与{other.name}等技术配合使用。"
        keywords = list(dict.fromkeys([name, ctx[0], ctx2[0]]))
        yield topic, dict(title=title[:200], title_en=title_en, summary=summary,
                          keywords=keywords, field=topic.field)


def needs(count, all_topics, rng):
    """`count` needs: (topic, kind, need columns), the kinds and topics in turn."""
    with_synonyms = [t for t in all_topics if t.zh_synonyms or t.en_names]
    with_english = [t for t in all_topics if t.en_names]
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        pool = {"chinese": all_topics, "english": with_english,
                "synonyms": with_synonyms}[kind]
        topic = pool[(i // len(KINDS)) % len(pool)]
        if kind == "chinese":
            values, ctx, ctx2 = _values(rng, topic.name, topic.vocabulary)
            title = f"{values['adj']}{topic.name}{ctx[0]}技术需求"
            description = "".join(c.format(**values) for c in NEED_ZH)
            keywords = [topic.name, ctx[0], ctx2[0]]
        elif kind == "english":
            name = rng.choice(topic.en_names)
            values, ctx, ctx2 = _values(rng, name, topic.vocabulary)
            adjective = ADJECTIVES_EN[values["adj"]]
            title = f"{adjective} {ctx[1]} technology for {name}"
            description = " ".join(c.format(name=name, ctx=ctx[1], ctx2=ctx2[1],
                                            adj_en=adjective.lower(),
                                            place_en=rng.choice(PLACES_EN), n=values["n"])
                                   for c in NEED_EN)
            keywords = [name, ctx[1]]
        else:  # a synonym of the name, nothing else of the topic's vocabulary
            name = rng.choice(topic.zh_synonyms or topic.en_names)
            values, _, _ = _values(rng, name, topic.vocabulary)
            title = f"{name}技术需求"
            description = "".join(c.format(**values) for c in NEED_SYNONYM)
            keywords = [name]
        yield topic, kind, dict(title=title, description=description, keywords=keywords,
                                field=topic.field)


# --- the temporary instance ---------------------------------------------------------------

def fill(app, offer_rows, need_rows, listed_share, rng):
    """The organisations, the offers (achievements, some listed) and the needs (drafts: they
    are not in the index, as the need of a match need not be). Returns ({("achievement" or
    "listing", id): topic number}, [(need id, topic number, kind)])."""
    from flask_migrate import upgrade

    from bench.bench_bidding import _member, _org, listing_row
    from marketplace.achievements.models import Achievement
    from marketplace.extensions import db
    from marketplace.listings.models import Listing
    from marketplace.needs.models import Need

    with app.app_context():
        upgrade()
        now = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
        institute, enterprise = _org("institute", now), _org("enterprise", now)
        db.session.add_all([institute, enterprise])
        db.session.flush()
        seller, buyer = _member(institute, "institute", now), _member(enterprise, "enterprise",
                                                                      now)
        db.session.add_all([seller, buyer])
        db.session.commit()
        labels = {}
        for number, (topic, columns) in enumerate(offer_rows, start=1):
            moment = now - timedelta(minutes=number)
            record = Achievement(
                owner_org_id=institute.id, created_by_id=seller.id, category="applied",
                details="", maturity=rng.randint(4, 9), secrecy="none", status="registered",
                registration_number=f"8{number:011d}", registered_at=moment,
                created_at=moment, updated_at=moment, **columns)
            db.session.add(record)
            db.session.flush()
            labels[("achievement", record.id)] = topic.number
            if rng.random() < listed_share:
                listing_id = db.session.execute(Listing.__table__.insert().returning(
                    Listing.__table__.c.id), [listing_row(record.id, institute, seller, now)]
                ).scalar_one()
                labels[("listing", listing_id)] = topic.number
        cases = []
        for topic, kind, columns in need_rows:
            record = Need(org_id=enterprise.id, created_by_id=buyer.id, indicators="",
                          budget_min=None, budget_max=None,
                          cooperation_modes=["commissioned_development"],
                          deadline=date(2026, 9, 30), status="draft", created_at=now,
                          updated_at=now, **columns)
            db.session.add(record)
            db.session.flush()
            cases.append((record.id, topic.number, kind))
        db.session.commit()
    return labels, cases


class Result(NamedTuple):
    kind: str
    recall: float  # recall@10
    reciprocal_rank: float
    milliseconds: float  # of offers_for(need, limit=10)
    whole: float  # R-recall
    title: str
    found: list  # the topic of each of the ten matches (None: not an offer of the set)


def measure(app, labels, cases):
    """A Result per need. R-recall: the share of all the relevant offers among the first R
    matches, R being their number (a second, untimed call with that limit)."""
    from marketplace.extensions import db
    from marketplace.needs import matching
    from marketplace.needs.models import Need

    relevant = defaultdict(int)
    for topic_number in labels.values():
        relevant[topic_number] += 1
    results = []
    with app.test_request_context():
        for need_id, topic_number, kind in cases:
            need = db.session.get(Need, need_id)
            started = time.perf_counter()
            matches = matching.offers_for(need, limit=10)
            milliseconds = (time.perf_counter() - started) * 1000
            found = [labels.get((m.hit.type, m.hit.id)) for m in matches]
            hits = [number == topic_number for number in found]
            rank = next((i for i, hit in enumerate(hits, start=1) if hit), None)
            wanted = relevant[topic_number]
            whole = sum(labels.get((m.hit.type, m.hit.id)) == topic_number
                        for m in matching.offers_for(need, limit=wanted)) / wanted
            results.append(Result(kind, sum(hits) / min(10, wanted), 1 / rank if rank else 0.0,
                                  milliseconds, whole, need.title, found))
            db.session.expunge_all()
    return results


def report(results, all_topics, worst=5):
    for kind in (*KINDS, "all"):
        chosen = [r for r in results if kind in ("all", r.kind)]
        if not chosen:
            continue
        recall = sum(r.recall for r in chosen) / len(chosen)
        mrr = sum(r.reciprocal_rank for r in chosen) / len(chosen)
        whole = sum(r.whole for r in chosen) / len(chosen)
        missed = sum(1 for r in chosen if r.reciprocal_rank == 0)
        print(f"  {kind + ' needs':<16} {len(chosen):>4}: recall@10 {recall:.3f}, "
              f"MRR {mrr:.3f}, R-recall {whole:.3f}; no relevant match in the ten: {missed}")
    times = [r.milliseconds for r in results]
    print(f"  offers_for(): p50 {percentile(times, 50):.1f} ms, p95 "
          f"{percentile(times, 95):.1f} ms, max {max(times):.1f} ms")
    lowest = sorted(results, key=lambda r: (r.recall, r.whole))[:worst]
    if lowest and lowest[0].recall < 1:
        print("  lowest recall@10 (need: the topics of its ten matches):")
        for r in lowest:
            if r.recall < 1:
                topics_found = ", ".join(all_topics[n].name if n is not None else "?"
                                         for n in r.found)
                print(f"    {r.recall:.1f} {r.kind} {r.title!r}: {topics_found or 'nothing'}")


def run(offer_count, need_count, listed_share, seed, keep):
    from marketplace.search import rebuild

    folder = Path(tempfile.mkdtemp(prefix=f"match-bench-{offer_count}-"))
    try:
        rng = random.Random(seed)
        all_topics = topics()
        app = make_app(folder)
        started = time.perf_counter()
        labels, cases = fill(app, list(offers(offer_count, all_topics, rng)),
                             list(needs(need_count, all_topics, rng)), listed_share, rng)
        with app.app_context():
            rebuild(procs=1)
        listings = sum(1 for kind, _ in labels if kind == "listing")
        per_topic = len(labels) / len(all_topics)
        print(f"\n== {offer_count:,} achievements + {listings:,} listings = {len(labels):,} "
              f"offers in {len(all_topics)} topics (~{per_topic:.0f} relevant per need), "
              f"{len(cases)} needs (filled and indexed in {time.perf_counter() - started:.0f} s)")
        measure(app, labels, cases[:5])  # warm the index and the analyser
        report(measure(app, labels, cases), all_topics)
    finally:
        if keep:
            print(f"(kept {folder})")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", default="400,4000",
                        help="achievements per corpus (a third of them also listed)")
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--listed", type=float, default=1 / 3,
                        help="share of the achievements that are also listed")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args(argv)
    os.environ.setdefault("MARKET_CONFIG", "testing")
    print(f"Matching benchmark: {len(TOPICS)} topics in 10 fields, {args.needs} needs "
          f"({', '.join(KINDS)} in turn), seed {args.seed}, python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    for size in (int(s) for s in args.offers.split(",")):
        run(size, args.needs, args.listed, args.seed, args.keep)


if __name__ == "__main__":
    main()
