"""Short speeches written for the index and search tests (realistic, invented)."""

SAFETY_2019 = """在2019年全县安全生产工作会议上的讲话

同志们：

今天召开全县安全生产工作会议，主要任务是分析当前安全生产形势，部署今年安全生产重点工作。

一、清醒认识当前安全生产形势

去年以来，全县安全生产形势总体平稳，但事故隐患依然不少。一些企业主体责任落实不到位，安全投入不足，从业人员安全意识淡薄。我们必须保持清醒头脑，绝不能麻痹大意。

二、扎实抓好安全生产重点工作

各乡镇、各部门要全面开展安全隐患排查整治，做到不留死角、不留盲区。对道路交通、建筑施工、危险化学品等重点行业领域，要实行挂牌督办。严禁违法违规组织生产经营，对拒不整改的企业坚决依法关停。全年生产安全事故起数和死亡人数要确保比上年下降10%以上。

三、压紧压实安全生产责任

要严格落实党政同责、一岗双责、齐抓共管、失职追责的要求。对发生重大事故的，必须严肃追究有关人员责任。
"""

ECOLOGY_2021 = """在全市生态环境保护工作会议上的讲话
（2021年3月1日）

同志们：

这次会议的主要任务是总结去年生态环境保护工作，安排部署今年重点任务。

一、坚决打好污染防治攻坚战

蓝天保卫战要持续发力，重点抓好工业企业废气治理和扬尘污染管控。碧水保卫战要突出重点流域治理，全面推行河长制湖长制。今年全市空气质量优良天数比例要达到80%以上。

二、加快推动绿色低碳发展

要严格控制高耗能、高排放项目盲目上马。各县区必须制定碳达峰行动方案，推进能源结构调整。要大力发展循环经济，推广清洁生产技术。

三、严格落实生态环境保护责任

生态环境保护是党委政府的重要政治责任。对破坏生态环境的违法行为，必须严惩重罚，决不手软。
"""


def write_speeches(folder):
    """The seed and the two speeches above as files in `folder` (created): the corpus
    the index, search and serve tests build on."""
    import shutil
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    seed = Path(__file__).resolve().parents[1] / "seeds" / "000_dbe0c8ca6deedb3a.txt"
    shutil.copy(seed, folder / seed.name)
    (folder / "safety_2019.txt").write_text(SAFETY_2019, encoding="utf-8")
    (folder / "ecology_2021.txt").write_text(ECOLOGY_2021, encoding="utf-8")
    return folder
