"""A believable demo season: participants from all 14 regions, 300 entries, 30 judges, one contest judged."""
from __future__ import annotations

import hashlib
import json
import random
import uuid
from datetime import timedelta
from decimal import Decimal

from werkzeug.security import generate_password_hash

from contest.extensions import db
from contest.engines import assignment as assignment_engine
from contest.models import (
    REGIONS, Assignment, Attachment, Category, Contest, ContestJudge, Entry, EntryAuthor, EntryStatus, JudgeExpertise,
    Mark, Role, RunStatus, ScoringRound, SheetStatus, User, utcnow,
)
from contest.services import judge_assignment, prizes, results
from contest.services.attachments import path_of
from contest.services.seasons import create_season

DEMO_PASSWORD = "demo12345"

FIELDS = ("Energy", "IT and software", "Mechanical engineering", "Civil engineering", "Agriculture and water",
          "Chemistry and materials", "Electronics and telecom", "Transport and logistics")

# (organization, region code): universities, schools and enterprises across the country.
ORGANIZATIONS = (
    ("Tashkent State Technical University", "tashkent_city"),
    ("Inha University in Tashkent", "tashkent_city"),
    ("Turin Polytechnic University in Tashkent", "tashkent_city"),
    ("Tashkent Institute of Irrigation and Agricultural Mechanization Engineers", "tashkent_city"),
    ("Presidential School in Tashkent", "tashkent_city"),
    ("Almalyk Mining and Metallurgical Combine", "tashkent_region"),
    ("Chirchik State Pedagogical University", "tashkent_region"),
    ("Samarkand State University", "samarkand"),
    ("Samarkand State Architecture and Construction University", "samarkand"),
    ("Bukhara Engineering-Technological Institute", "bukhara"),
    ("Bukhara Oil Refinery", "bukhara"),
    ("Fergana Polytechnic Institute", "fergana"),
    ("Fergana Azot", "fergana"),
    ("Namangan Institute of Engineering and Technology", "namangan"),
    ("Andijan Machine-Building Institute", "andijan"),
    ("UzAuto Motors, Asaka plant", "andijan"),
    ("Karakalpak State University", "karakalpakstan"),
    ("Nukus Mining Institute", "karakalpakstan"),
    ("Navoi State Mining and Technological University", "navoi"),
    ("Navoi Mining and Metallurgical Company", "navoi"),
    ("Urgench State University", "khorezm"),
    ("Jizzakh Polytechnic Institute", "jizzakh"),
    ("Karshi Engineering-Economics Institute", "kashkadarya"),
    ("Shurtan Gas Chemical Complex", "kashkadarya"),
    ("Termez State University", "surkhandarya"),
    ("Gulistan State University", "syrdarya"),
    ("Syrdarya Thermal Power Plant", "syrdarya"),
    ("Specialized School No. 1, Nukus", "karakalpakstan"),
)
FIRST_NAMES = ("Aziz", "Bekzod", "Dilshod", "Jasur", "Javlon", "Otabek", "Sardor", "Sherzod", "Timur", "Ulugbek",
               "Akmal", "Bobur", "Farrukh", "Islom", "Rustam", "Madina", "Nilufar", "Dilnoza", "Gulnora", "Kamola",
               "Malika", "Shahnoza", "Zarina", "Sevara", "Feruza", "Mohira", "Nodira", "Aziza", "Lola", "Yulduz")
LAST_NAMES = ("Karimov", "Rakhimov", "Tursunov", "Yusupov", "Abdullayev", "Ismoilov", "Nazarov", "Saidov",
              "Qodirov", "Ergashev", "Mirzayev", "Sultonov", "Xolmatov", "Usmonov", "Aliyev", "Jurayev")
TITLE_STARTS = ("Solar-powered", "Low-cost", "Smart", "Modular", "Energy-efficient", "Portable", "Automated",
                "Water-saving", "Recyclable", "Digital", "Drone-based", "Sensor-driven")
TITLE_SUBJECTS = {
    "Energy": ("micro-grid for mountain villages", "heat pump for schools", "biogas unit for farms"),
    "IT and software": ("crop-disease detection app", "queue management system", "Uzbek speech recogniser"),
    "Mechanical engineering": ("cotton harvester attachment", "gearbox test bench", "3D-printed prosthetic hand"),
    "Civil engineering": ("seismic damper for brick houses", "adobe block press", "bridge health monitor"),
    "Agriculture and water": ("drip irrigation controller", "soil salinity mapper", "greenhouse climate box"),
    "Chemistry and materials": ("basalt fibre composite", "cotton-stalk bioplastic", "mine-tailings cement"),
    "Electronics and telecom": ("LoRa water-meter network", "power-line fault locator", "rural 5G repeater"),
    "Transport and logistics": ("railway wagon tracker", "electric bus charging planner", "cargo load optimiser"),
}


def _pdf(title: str) -> bytes:
    """A small valid one-page PDF standing for the entry's documentation."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
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
    password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash: demo accounts share a password

    def person(email: str, role: Role, **profile) -> User:
        user = User(email=email, password_hash=password_hash, role=role, **profile)
        db.session.add(user)
        return user

    def profile() -> dict:
        organization, region = rng.choice(ORGANIZATIONS)
        return {"full_name": f"{rng.choice(LAST_NAMES)} {rng.choice(FIRST_NAMES)}", "organization": organization,
                "region": region, "category": rng.choice([Category.STUDENT] * 5 + [Category.TEACHER] * 2
                                                         + [Category.ENGINEER] * 3)}

    organizer = person("organizer@demo.uz", Role.ORGANIZER, full_name="Demo Organizer")
    logins = [("organizer", organizer.email)]
    panel = []
    for number in range(1, judges + 1):
        organization, region = rng.choice(ORGANIZATIONS)
        panel.append(person(f"judge{number:02d}@demo.uz", Role.JUDGE,
                            full_name=f"{rng.choice(LAST_NAMES)} {rng.choice(FIRST_NAMES)}",
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
        title = f"{rng.choice(TITLE_STARTS)} {rng.choice(TITLE_SUBJECTS[field.name])} #{number + 1}"
        entry = Entry(contest=contest, lead_author=lead, field=field,
                      status=EntryStatus.DRAFT if number % 10 == 9 else EntryStatus.SUBMITTED,
                      summary=f"A {field.name.lower()} solution: {title.lower()}.",
                      description="Problem, design, prototype results and cost estimate are in the attached PDF.",
                      created_at=now - timedelta(days=rng.randint(1, 29)))
        entry.set_title(title)
        if entry.status is EntryStatus.SUBMITTED:
            entry.submitted_at = entry.created_at + timedelta(hours=rng.randint(1, 48))
        entry.authors.append(EntryAuthor.from_user(lead, 0))
        for position in range(1, rng.choice((1, 1, 1, 2, 2, 3))):
            co = profile()
            co["region"] = regions_cycle[(number + position) % len(regions_cycle)]
            entry.authors.append(EntryAuthor(position=position, email=None, **co))
        pdf = _pdf(title)
        attachment = Attachment(stored_name=uuid.uuid4().hex + ".pdf", original_name=f"project-{number + 1}.pdf",
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
            judge.expertise.append(JudgeExpertise(field=field, level=level))
        db.session.add(ContestJudge(contest=contest, judge=judge, max_load=40))
    db.session.add(ScoringRound(contest=idea, number=1, opens_at=now - timedelta(days=4),
                                closes_at=now + timedelta(days=10)))
    db.session.flush()
    run = judge_assignment.start_run(idea, organizer)
    run.result_json = json.dumps(assignment_engine.solve(json.loads(run.instance_json)))
    run.status, run.finished_at = RunStatus.DONE, utcnow()
    judge_assignment.commit_run(run)
    quality = {e.id: rng.gauss(6.0, 1.5)
               for e in db.session.scalars(db.select(Entry).where(Entry.contest_id == idea.id))}
    leniency = {j.id: rng.gauss(0.0, 0.8) for j in judges}
    comments = ("Clear problem statement.", "The cost estimate needs more detail.", "Promising prototype.",
                "Compare with existing solutions.", "")
    for assignment in db.session.scalars(db.select(Assignment).join(Entry).where(Entry.contest_id == idea.id)):
        if rng.random() < 0.1:
            continue  # a few sheets are still to be scored
        for criterion in idea.criteria:
            value = quality[assignment.entry_id] + leniency[assignment.judge_id] + rng.gauss(0.0, 0.9)
            assignment.marks.append(Mark(criterion=criterion, value=Decimal(min(10, max(1, round(value)))),
                                         comment=rng.choice(comments)))
        assignment.status, assignment.submitted_at = SheetStatus.SUBMITTED, now - timedelta(hours=rng.randint(1, 90))
        assignment.overall_comment = rng.choice(comments)
    db.session.flush()
    results.publish(idea, organizer)
    _winners_choose_countries(season, organizer, rng)


def _winners_choose_countries(season, organizer: User, rng: random.Random) -> None:
    """The default prize catalogue, an open preferences window, the selected winners' choices and a
    first committed allocation, so that winners see their internship."""
    settings = prizes.ensure_catalogue(season)
    settings.preferences_close_at = utcnow() + timedelta(days=14)
    codes = [country.code for country in prizes.countries(season)]
    for person in prizes.select_winners(season, settings).order:
        prizes.set_preferences(season, settings, person, rng.sample(codes, rng.randint(2, 4)), organizer)
    prizes.commit(season, organizer)
