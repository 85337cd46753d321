"""Realistic Chinese personal names: common surnames by frequency (weighted towards those frequent in
Jiangxi) and given names of one or two characters from curated lists."""

import random

# Surname and relative frequency (per mille, roughly the national census shares adjusted for Jiangxi,
# where 刘, 胡, 罗, 曾, 邹, 熊, 万 and 涂 are markedly more common than nationally).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("刘", 62), ("李", 58), ("王", 52), ("张", 45), ("陈", 48), ("胡", 30), ("黄", 30), ("罗", 26),
    ("吴", 24), ("杨", 22), ("周", 21), ("徐", 21), ("曾", 20), ("朱", 18), ("邹", 15), ("熊", 15),
    ("彭", 14), ("万", 12), ("肖", 13), ("邓", 13), ("余", 12), ("廖", 11), ("钟", 11), ("赖", 10),
    ("程", 10), ("郭", 10), ("何", 10), ("谢", 10), ("袁", 9), ("涂", 8), ("龚", 8), ("付", 7),
    ("魏", 7), ("蔡", 7), ("饶", 6), ("江", 7), ("汪", 7), ("叶", 6), ("卢", 6), ("邱", 6),
    ("喻", 5), ("姜", 5), ("孙", 6), ("赵", 6), ("宋", 5), ("聂", 4), ("傅", 4), ("温", 4),
    ("章", 4), ("易", 4), ("游", 3), ("简", 3), ("欧阳", 3), ("殷", 2), ("漆", 2), ("晏", 2),
)

MALE_CHARS = (
    "伟", "强", "军", "平", "刚", "勇", "杰", "涛", "明", "斌", "超", "辉", "华", "建", "国",
    "峰", "磊", "鹏", "波", "俊", "浩", "宇", "翔", "林", "志", "文", "海", "东", "亮", "成",
    "兵", "剑", "飞", "锋", "鑫", "凯", "晨", "阳", "瑞", "昊", "彬", "博", "振", "健", "新",
    "胜", "毅", "荣", "卫", "忠", "德", "宏", "光", "学", "庆", "祥", "龙", "春", "生", "永",
)
FEMALE_CHARS = (
    "芳", "娟", "敏", "静", "丽", "艳", "霞", "玲", "燕", "萍", "红", "梅", "琳", "婷", "雪",
    "颖", "倩", "慧", "洁", "莉", "英", "兰", "琴", "云", "蓉", "佳", "欣", "怡", "璐", "婧",
    "晶", "丹", "露", "菲", "薇", "娜", "妍", "悦", "瑶", "晓", "茜", "秀", "凤", "珍", "莹",
)
NEUTRAL_CHARS = ("文", "华", "晓", "雨", "子", "思", "安", "宁", "嘉", "明", "清", "一", "金", "小", "春")

_surnames, _weights = zip(*SURNAMES, strict=True)


def person_name(rng: random.Random, female: bool) -> str:
    """Surname by frequency; a given name of one character (about a third) or two."""
    surname = rng.choices(_surnames, weights=_weights)[0]
    pool = FEMALE_CHARS if female else MALE_CHARS
    if rng.random() < 0.35:
        return surname + rng.choice(pool)
    first = rng.choice(pool + NEUTRAL_CHARS)
    return surname + first + rng.choice(pool)
