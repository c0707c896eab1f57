"""A believable demo season: participants from all 14 regions, 300 entries, 30 judges, one contest judged."""
from __future__ import annotations

import hashlib
import json
import random
import uuid
from datetime import timedelta
from decimal import Decimal


from contest.extensions import db
from contest.engines import assignment as assignment_engine
from contest.models import (
    REGIONS, Assignment, Attachment, Category, Contest, ContestJudge, Entry, EntryAuthor, EntryStatus, JudgeExpertise,
    Mark, Role, RunStatus, ScoringRound, SheetStatus, User, utcnow,
)
from contest.passwords import passwords
from contest.services import certificates, judge_assignment, judging, prizes, results
from contest.services.attachments import path_of
from contest.services.seasons import FieldNames, create_season

DEMO_PASSWORD = "demo12345"

# The season reads as a real one: Uzbek first, Russian where an entrant would write in it,
# names and organizations in Uzbek Latin. Fields are named in the three languages.
FIELDS = (
    FieldNames("Energetika", "Энергетика", "Energy"),
    FieldNames("Axborot texnologiyalari", "Информационные технологии", "Information technology"),
    FieldNames("Mashinasozlik", "Машиностроение", "Mechanical engineering"),
    FieldNames("Qurilish", "Строительство", "Civil engineering"),
    FieldNames("Qishloq va suv xoʻjaligi", "Сельское и водное хозяйство", "Agriculture and water"),
    FieldNames("Kimyo va materialshunoslik", "Химия и материаловедение", "Chemistry and materials"),
    FieldNames("Elektronika va telekommunikatsiya", "Электроника и телекоммуникации", "Electronics and telecom"),
    FieldNames("Transport va logistika", "Транспорт и логистика", "Transport and logistics"),
)

# (organization, region code): universities, schools and enterprises across the country.
ORGANIZATIONS = (
    ("Toshkent davlat texnika universiteti", "tashkent_city"),
    ("Muhammad al-Xorazmiy nomidagi Toshkent axborot texnologiyalari universiteti", "tashkent_city"),
    ("Toshkent shahridagi Inha universiteti", "tashkent_city"),
    ("Toshkent shahridagi Turin politexnika universiteti", "tashkent_city"),
    ("Toshkent irrigatsiya va qishloq xoʻjaligini mexanizatsiyalash muhandislari instituti", "tashkent_city"),
    ("Toshkent shahridagi Prezident maktabi", "tashkent_city"),
    ("Olmaliq kon-metallurgiya kombinati", "tashkent_region"),
    ("Chirchiq davlat pedagogika universiteti", "tashkent_region"),
    ("Samarqand davlat universiteti", "samarkand"),
    ("Samarqand davlat arxitektura-qurilish universiteti", "samarkand"),
    ("Buxoro muhandislik-texnologiya instituti", "bukhara"),
    ("Buxoro neftni qayta ishlash zavodi", "bukhara"),
    ("Fargʻona politexnika instituti", "fergana"),
    ("“Fargʻonaazot” AJ", "fergana"),
    ("Namangan muhandislik-texnologiya instituti", "namangan"),
    ("Andijon mashinasozlik instituti", "andijan"),
    ("“UzAuto Motors” AJ, Asaka zavodi", "andijan"),
    ("Berdaq nomidagi Qoraqalpoq davlat universiteti", "karakalpakstan"),
    ("Nukus konchilik instituti", "karakalpakstan"),
    ("Navoiy davlat konchilik va texnologiyalar universiteti", "navoi"),
    ("Navoiy kon-metallurgiya kombinati", "navoi"),
    ("Urganch davlat universiteti", "khorezm"),
    ("Jizzax politexnika instituti", "jizzakh"),
    ("Qarshi muhandislik-iqtisodiyot instituti", "kashkadarya"),
    ("Shoʻrtan gaz-kimyo majmuasi", "kashkadarya"),
    ("Termiz davlat universiteti", "surkhandarya"),
    ("Guliston davlat universiteti", "syrdarya"),
    ("Sirdaryo issiqlik elektr stansiyasi", "syrdarya"),
    ("Nukus shahridagi 1-son ixtisoslashtirilgan maktab", "karakalpakstan"),
)
MEN = ("Aziz", "Bekzod", "Dilshod", "Jasur", "Javlon", "Otabek", "Sardor", "Sherzod", "Temur", "Ulugʻbek",
       "Akmal", "Bobur", "Farrux", "Islom", "Rustam")
WOMEN = ("Madina", "Nilufar", "Dilnoza", "Gulnora", "Kamola", "Malika", "Shahnoza", "Zarina", "Sevara", "Feruza",
         "Mohira", "Nodira", "Aziza", "Lola", "Yulduz")
SURNAMES = ("Karimov", "Rahimov", "Tursunov", "Yusupov", "Abdullayev", "Ismoilov", "Nazarov", "Saidov",
            "Qodirov", "Ergashev", "Mirzayev", "Sultonov", "Xolmatov", "Usmonov", "Aliyev", "Joʻrayev")

# A title is "<for whom> <quality> <what>" in Uzbek, "<What> <how>" in Russian: each field has
# three subjects, each worded (Uzbek head, Uzbek thing, Russian phrase), and qualities that fit it.
QUALITIES = {
    "Energetika": ("arzon", "modulli", "quyosh energiyasida ishlaydigan", "energiya tejamkor"),
    "Axborot texnologiyalari": ("aqlli", "sun’iy intellektga asoslangan", "bulutli", "ochiq kodli"),
    "Mashinasozlik": ("arzon", "yengil", "modulli", "mahalliy ishlab chiqarilgan"),
    "Qurilish": ("arzon", "mahalliy xomashyodan yasalgan", "yengil", "modulli"),
    "Qishloq va suv xoʻjaligi": ("aqlli", "quyosh energiyasida ishlaydigan", "suv tejovchi", "koʻchma"),
    "Kimyo va materialshunoslik": ("arzon", "ekologik toza", "mustahkam", "mahalliy xomashyodan olingan"),
    "Elektronika va telekommunikatsiya": ("arzon", "kam quvvat sarflovchi", "masofadan boshqariladigan",
                                          "koʻchma"),
    "Transport va logistika": ("aqlli", "raqamli", "bulutli", "avtomatlashtirilgan"),
}
FEATURES = {
    "Energetika": ("на солнечной энергии", "модульной конструкции", "с низкой себестоимостью"),
    "Axborot texnologiyalari": ("на базе нейросети", "с открытым исходным кодом", "с облачным хранением данных"),
    "Mashinasozlik": ("из отечественных комплектующих", "модульной конструкции", "с низкой себестоимостью"),
    "Qurilish": ("из местного сырья", "с низкой себестоимостью", "модульной конструкции"),
    "Qishloq va suv xoʻjaligi": ("на солнечной энергии", "на основе датчиков", "с дистанционным управлением"),
    "Kimyo va materialshunoslik": ("повышенной прочности", "из местного сырья", "с низкой себестоимостью"),
    "Elektronika va telekommunikatsiya": ("с низким энергопотреблением", "с дистанционным управлением",
                                          "на отечественной элементной базе"),
    "Transport va logistika": ("на базе нейросети", "с облачным хранением данных", "в реальном времени"),
}
SUBJECTS = {
    "Energetika": (("Togʻ qishloqlari uchun", "mikrotarmoq", "Микросеть для горных сёл"),
                   ("Maktablar uchun", "issiqlik nasosi", "Тепловой насос для школ"),
                   ("Fermer xoʻjaliklari uchun", "biogaz qurilmasi", "Биогазовая установка для фермерских хозяйств")),
    "Axborot texnologiyalari": (
        ("Gʻoʻza kasalliklarini aniqlovchi", "mobil ilova", "Приложение для распознавания болезней хлопчатника"),
        ("Davlat xizmatlari markazlari uchun", "navbat tizimi", "Система управления очередью в центрах госуслуг"),
        ("Oʻzbek nutqini tanib oluvchi", "dastur", "Система распознавания узбекской речи")),
    "Mashinasozlik": (("Paxta terish mashinasi uchun", "moslama", "Навесное устройство для хлопкоуборочной машины"),
                      ("Reduktorlar uchun", "sinov stendi", "Испытательный стенд для редукторов"),
                      ("3D-printerda bosilgan", "protez qoʻl", "Протез кисти, напечатанный на 3D-принтере")),
    "Qurilish": (("Gʻishtli uylar uchun", "seysmik dempfer", "Сейсмический демпфер для кирпичных домов"),
                 ("Guvala bloklar uchun", "press", "Пресс для саманных блоков"),
                 ("Koʻpriklar holatini kuzatuvchi", "tizim", "Система мониторинга состояния мостов")),
    "Qishloq va suv xoʻjaligi": (
        ("Tomchilatib sugʻorish uchun", "boshqaruv bloki", "Контроллер капельного орошения"),
        ("Tuproq shoʻrlanishini oʻlchovchi", "qurilma", "Картограф засолённости почв"),
        ("Issiqxona iqlimini boshqaruvchi", "qurilma", "Блок управления климатом теплицы")),
    "Kimyo va materialshunoslik": (
        ("Bazalt tolasidan", "kompozit", "Композит на основе базальтового волокна"),
        ("Gʻoʻzapoyadan olingan", "bioplastik", "Биопластик из стеблей хлопчатника"),
        ("Kon chiqindilaridan olingan", "sement", "Цемент из хвостов горно-обогатительного производства")),
    "Elektronika va telekommunikatsiya": (
        ("Suv hisoblagichlari uchun", "LoRa tarmogʻi", "Сеть водосчётчиков на LoRa"),
        ("Elektr uzatish liniyalaridagi nosozlikni topuvchi", "qurilma", "Локатор повреждений на ЛЭП"),
        ("Qishloqlar uchun", "5G takrorlagich", "5G-ретранслятор для сёл")),
    "Transport va logistika": (
        ("Temir yoʻl vagonlarini kuzatuvchi", "tizim", "Система отслеживания железнодорожных вагонов"),
        ("Elektr avtobuslarni quvvatlash uchun", "rejalashtiruvchi", "Планировщик зарядки электробусов"),
        ("Yuk ortishni optimallashtiruvchi", "dastur", "Программа оптимизации загрузки грузовиков")),
}
DESCRIPTIONS = {
    "uz": ("Muammo, konstruksiya, prototip sinovlari natijalari va xarajatlar smetasi ilova qilingan PDF faylda.",
           "Loyiha hujjatlari, chizmalar va sinov bayonnomasi ilova qilingan faylda keltirilgan."),
    "ru": ("Постановка задачи, конструкция, результаты испытаний прототипа и смета затрат — в приложенном PDF.",
           "Проектная документация, чертежи и протокол испытаний приведены в приложенном файле."),
}
# Judges' comments: mostly Uzbek, some in Russian; an empty one is a mark left without a word.
COMMENTS = ("Muammo aniq qoʻyilgan.", "Xarajatlar smetasini batafsilroq asoslash kerak.", "Prototip istiqbolli.",
            "Mavjud yechimlar bilan taqqoslash yetishmaydi.", "Sinov natijalari ishonarli.",
            "Хороший прототип, но экономический эффект не обоснован.", "Сравните с существующими аналогами.", "")


def full_name(rng: random.Random) -> str:
    """An Uzbek name, surname first as on documents: "Karimova Madina", "Joʻrayev Bobur"."""
    if rng.random() < 0.5:
        return f"{rng.choice(SURNAMES)} {rng.choice(MEN)}"
    return f"{rng.choice(SURNAMES)}a {rng.choice(WOMEN)}"


def entry_text(field: FieldNames, number: int, rng: random.Random) -> tuple[str, str, str]:
    """Title, summary and description, in Russian for about one entry in five."""
    head, thing, russian = rng.choice(SUBJECTS[field.name])
    if rng.random() < 0.2:
        title = f"{russian} {rng.choice(FEATURES[field.name])} №{number}"
        return (title, f"Разработка по направлению «{field.name_ru}»: {russian[0].lower()}{russian[1:]}.",
                rng.choice(DESCRIPTIONS["ru"]))
    title = f"{head} {rng.choice(QUALITIES[field.name])} {thing} №{number}"
    return (title, f"{field.name} yoʻnalishidagi ishlanma: {head[0].lower()}{head[1:]} {thing}.",
            rng.choice(DESCRIPTIONS["uz"]))


def _pdf(title: str) -> bytes:
    """A small valid one-page PDF standing for the entry's documentation (the built-in font has
    no Cyrillic: a Russian title is replaced by a plain Uzbek caption)."""
    title = title.replace("ʻ", "'").replace("№", "No. ")
    if not title.isascii():
        title = "Loyiha hujjatlari"
    text = title.encode("ascii").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 50 780 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def build_demo_season(entries: int = 300, judges: int = 30, seed: int = 2026) -> list[tuple[str, str]]:
    """Adds the demo season and its people; returns (role, email) pairs to print."""
    rng = random.Random(seed)
    now = utcnow()
    season = create_season(now.year, opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=30),
                           fields=FIELDS)
    password_hash = passwords().hash(DEMO_PASSWORD)  # one hash: demo accounts share a password

    def person(email: str, role: Role, **profile) -> User:
        user = User(email=email, password_hash=password_hash, role=role, **profile)
        db.session.add(user)
        return user

    def profile() -> dict:
        organization, region = rng.choice(ORGANIZATIONS)
        return {"full_name": full_name(rng), "organization": organization,
                "region": region, "category": rng.choice([Category.STUDENT] * 5 + [Category.TEACHER] * 2
                                                         + [Category.ENGINEER] * 3)}

    organizer = person("organizer@demo.uz", Role.ORGANIZER, full_name="Saidova Gulnora")
    logins = [("organizer", organizer.email)]
    panel = []
    for number in range(1, judges + 1):
        organization, region = rng.choice(ORGANIZATIONS)
        panel.append(person(f"judge{number:02d}@demo.uz", Role.JUDGE,
                            full_name=full_name(rng),
                            organization=organization, region=region))
    logins.append(("judge", f"judge01@demo.uz … judge{judges:02d}@demo.uz"))
    participants = [person("participant@demo.uz", Role.PARTICIPANT, **profile())]
    participants += [person(f"participant{n:03d}@demo.uz", Role.PARTICIPANT, **profile())
                     for n in range(1, int(entries * 0.8))]
    logins.append(("participant", "participant@demo.uz (and participant001…)"))
    db.session.flush()

    contests: list[Contest] = season.contests
    regions_cycle = list(REGIONS)
    led: dict[tuple[int, int], int] = {}
    for number in range(entries):
        contest = contests[number % len(contests)]
        lead = participants[number % len(participants)]
        if led.get((lead.id, contest.id), 0) >= contest.max_entries_per_author:
            lead = participants[(number * 7 + 1) % len(participants)]
        led[(lead.id, contest.id)] = led.get((lead.id, contest.id), 0) + 1
        field = rng.choice(contest.fields)
        title, summary, description = entry_text(FieldNames.of(field), number + 1, rng)
        entry = Entry(contest=contest, lead_author=lead, field=field,
                      status=EntryStatus.DRAFT if number % 10 == 9 else EntryStatus.SUBMITTED,
                      summary=summary, description=description, created_at=now - timedelta(days=rng.randint(1, 29)))
        entry.set_title(title)
        if entry.status is EntryStatus.SUBMITTED:
            entry.submitted_at = entry.created_at + timedelta(hours=rng.randint(1, 48))
        entry.authors.append(EntryAuthor.from_user(lead, 0))
        for position in range(1, rng.choice((1, 1, 1, 2, 2, 3))):
            co = profile()
            co["region"] = regions_cycle[(number + position) % len(regions_cycle)]
            entry.authors.append(EntryAuthor(position=position, email=None, **co))
        pdf = _pdf(title)
        attachment = Attachment(stored_name=uuid.uuid4().hex + ".pdf", original_name=f"loyiha-{number + 1}.pdf",
                                content_type="application/pdf", size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest())
        path_of(attachment).write_bytes(pdf)
        entry.attachments.append(attachment)
        db.session.add(entry)
    db.session.flush()
    _judge_first_contest(season, organizer, panel, rng)
    return logins


def _judge_first_contest(season, organizer: User, judges: list[User], rng: random.Random) -> None:
    """Shows the later stages: "The Best Idea" has closed, been assigned, mostly scored and published.

    Every judge gets expertise and serves one contest; the first contest's assignment is made by
    the real engine through the same run an organizer would commit, and its ranking published.
    """
    now = utcnow()
    idea = season.contests[0]
    idea.opens_at, idea.closes_at = now - timedelta(days=60), now - timedelta(days=5)
    per_contest = max(1, len(judges) // len(season.contests))
    for index, judge in enumerate(judges):
        contest = season.contests[min(index // per_contest, len(season.contests) - 1)]
        for level, field in zip((3, 2, 1), rng.sample(FIELDS, 3)):
            judge.expertise.append(JudgeExpertise(field=field.name, level=level))
        db.session.add(ContestJudge(contest=contest, judge=judge, max_load=40))
    db.session.add(ScoringRound(contest=idea, number=1, opens_at=now - timedelta(days=4),
                                closes_at=now + timedelta(days=10)))
    db.session.flush()
    run = judge_assignment.record_run(idea, organizer)
    run.result_json = json.dumps(assignment_engine.solve(json.loads(run.instance_json)))
    run.status, run.finished_at = RunStatus.DONE, utcnow()
    judge_assignment.commit_run(run)
    quality = {e.id: rng.gauss(6.0, 1.5)
               for e in db.session.scalars(db.select(Entry).where(Entry.contest_id == idea.id))}
    leniency = {j.id: rng.gauss(0.0, 0.8) for j in judges}
    for assignment in db.session.scalars(db.select(Assignment).join(Entry).where(Entry.contest_id == idea.id)):
        if rng.random() < 0.1:
            continue  # a few sheets are still to be scored
        for criterion in idea.criteria:
            value = quality[assignment.entry_id] + leniency[assignment.judge_id] + rng.gauss(0.0, 0.9)
            assignment.marks.append(Mark(criterion=criterion, value=Decimal(min(10, max(1, round(value)))),
                                         comment=rng.choice(COMMENTS)))
        assignment.status, assignment.submitted_at = SheetStatus.SUBMITTED, now - timedelta(hours=rng.randint(1, 90))
        assignment.overall_comment = rng.choice(COMMENTS)
    db.session.flush()
    results.publish(idea, organizer)
    _a_judge_revises(idea)
    _winners_choose_countries(season, organizer, rng)
    certificates.issue(season, organizer)


def _a_judge_revises(idea: Contest) -> None:
    """One judge has reopened a submitted sheet after publication: the revision is a draft beside it,
    and the submitted marks still count (so every page that reads sheets meets that state)."""
    sheet = db.session.scalars(db.select(Assignment).join(Entry).where(
        Entry.contest_id == idea.id, Assignment.status == SheetStatus.SUBMITTED).order_by(Assignment.id)).first()
    judging.record(sheet, judging.Sheet(values={m.criterion_id: str(min(10, int(m.value) + 1)) for m in sheet.marks},
                                        overall_comment=sheet.overall_comment), final=False)


def _winners_choose_countries(season, organizer: User, rng: random.Random) -> None:
    """The default prize catalogue, an open preferences window, the selected winners' choices and a
    first committed allocation, so that winners see their internship."""
    settings = prizes.catalogue(season)
    settings.preferences_close_at = utcnow() + timedelta(days=14)
    codes = [country.code for country in prizes.countries(season)]
    for person in prizes.select_winners(season, settings).order:
        prizes.set_preferences(season, settings, person, rng.sample(codes, rng.randint(2, 4)), organizer)
    prizes.commit(season, organizer)
