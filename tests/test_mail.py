"""Mail through a real SMTP server (aiosmtpd): what each message says, to whom, in which language, and the outbox."""
from __future__ import annotations

import io
import re
from email import message_from_bytes, policy
from datetime import timedelta

from contest.extensions import db
from contest.models import (
    Assignment, ContestJudge, Entry, EntryAuthor, EntryStatus, MailFailure, MailStatus, OutboxMessage, Role, User,
    utcnow,
)
from contest.models.judging import ScoringRound
from contest.services import mail, results
from tests.test_file_safety import assert_download
from tests.conftest import PASSWORD, upload
from tests.excel.test_people_import import workbook
from tests.mail_server import html_of, link_in, text_of


def outbox(**where) -> list[OutboxMessage]:
    query = db.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def test_a_submitted_entry_gets_a_receipt_with_its_code_in_text_and_html(smtp, client, make_season, make_user, login,
                                                                          entry_form):
    contest = make_season().contests[0]
    author = make_user(full_name="Tursunov Jasur")
    login(author)
    client.post(f"/entries/new/{contest.id}", data=entry_form(field_id=contest.fields[0].id))
    entry = db.session.scalars(db.select(Entry)).one()
    upload(client, entry.id)
    assert smtp.inbox.received == []            # a draft says nothing
    client.post(f"/entries/{entry.id}/submit")
    message = smtp.inbox.one_to(author.email)
    assert entry.code in message["Subject"]
    assert entry.code in text_of(message) and "Solar micro-grid" in text_of(message)
    assert entry.code in html_of(message)
    assert f"http://contest.example.uz/entries/{entry.id}" in text_of(message)
    assert outbox()[0].status is MailStatus.SENT and outbox()[0].attempts == 1


def test_mail_speaks_the_recipients_language(smtp, client, make_season, make_user, login, entry_form):
    contest = make_season().contests[0]
    author = make_user(locale="ru")
    login(author)
    client.post("/auth/language/en")   # the page in English; the mail still in the recipient's stored language...
    author = db.session.get(User, author.id)
    author.locale = "ru"               # ...which is Russian
    db.session.commit()
    client.post(f"/entries/new/{contest.id}", data=entry_form(field_id=contest.fields[0].id))
    entry = db.session.scalars(db.select(Entry)).one()
    upload(client, entry.id)
    client.post(f"/entries/{entry.id}/submit")
    message = smtp.inbox.one_to(author.email)
    assert message["Content-Language"] == "ru"
    assert re.search("[а-яА-Я]", message["Subject"]) and re.search("[а-яА-Я]{5}", text_of(message))


def test_an_invited_judge_receives_the_link_and_sets_a_password_with_it(smtp, client, organizer, app):
    client.post("/organizer/judges", data={"email": "new.judge@example.uz", "full_name": "Karimova Dilnoza",
                                           "organization": "TSTU", "region": "samarkand"})
    message = smtp.inbox.one_to("new.judge@example.uz")
    path = link_in(message, "/auth/set-password/")
    stored = outbox(to_address="new.judge@example.uz")[0]
    assert stored.secret_link is None and mail.LINK_MARK not in text_of(message)   # forgotten once sent
    client.post("/auth/logout")
    assert client.post(path, data={"password": "judge-pass-1", "confirm": "judge-pass-1"}).status_code == 302
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"email": "new.judge@example.uz",
                                            "password": "judge-pass-1"}).status_code == 302


def test_imported_participants_receive_a_welcome_mail_with_a_link_that_opens_their_account(smtp, client, organizer):
    rows = [[f"Participant {n}", f"imported{n}@example.uz", "student", "BSU", "bukhara", None] for n in range(3)]
    data = workbook(rows)
    response = client.post("/organizer/import/participants", data={"file": (io.BytesIO(data), "people.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert sorted(m["To"] for m in smtp.inbox.received) == [f"imported{n}@example.uz" for n in range(3)]
    message = smtp.inbox.one_to("imported1@example.uz")
    assert "Participant 1" in text_of(message)
    client.post("/auth/logout")
    path = link_in(message, "/auth/set-password/")
    assert client.post(path, data={"password": "welcome-pass", "confirm": "welcome-pass"}).status_code == 302
    assert db.session.scalar(db.select(User).where(User.email == "imported1@example.uz")).check_password(
        "welcome-pass")


def test_password_reset_link_works_once_and_the_new_password_signs_in(smtp, client, make_user):
    user = make_user(Role.JUDGE)
    answer = client.post("/auth/reset", data={"email": user.email.upper()}, follow_redirects=True)
    assert "If an account uses" in answer.get_data(as_text=True)
    message = smtp.inbox.one_to(user.email)
    path = link_in(message, "/auth/reset/")
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": "brand-new-pw", "confirm": "brand-new-pw"}).status_code == 302
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"email": user.email, "password": "brand-new-pw"}).status_code == 302
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
    client.post("/auth/logout")
    used = client.post(path, data={"password": "another-one", "confirm": "another-one"})
    assert used.status_code == 404 and "no longer valid" in used.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password("brand-new-pw")


def test_an_expired_reset_link_is_refused_with_a_clear_message(smtp, client, make_user, frozen_clock):
    user = make_user()
    client.post("/auth/reset", data={"email": user.email})
    path = link_in(smtp.inbox.one_to(user.email), "/auth/reset/")
    frozen_clock.shift(timedelta(minutes=61))
    expired = client.get(path)
    assert expired.status_code == 410 and "This link has expired" in expired.get_data(as_text=True)
    assert client.post(path, data={"password": "brand-new-pw", "confirm": "brand-new-pw"}).status_code == 410
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_reset_answers_the_same_for_an_unknown_email_and_sends_nothing(smtp, client, make_user):
    user = make_user()
    known = client.post("/auth/reset", data={"email": user.email})
    unknown = client.post("/auth/reset", data={"email": "nobody@example.uz"})
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    page = client.get("/auth/login").get_data(as_text=True)
    assert "nobody@example.uz" in page
    assert [m["To"] for m in smtp.inbox.received] == [user.email]
    assert len(outbox()) == 1


def test_reset_requests_are_rate_limited_per_email_whether_it_exists_or_not(client, make_user):
    user = make_user()
    for email in (user.email, "nobody@example.uz"):
        answers = [client.post("/auth/reset", data={"email": email}).status_code for _ in range(4)]
        assert answers == [302, 302, 302, 429]
    assert len(outbox()) == 3


def test_a_forged_or_altered_reset_link_is_refused(client, make_user):
    make_user()
    assert client.get("/auth/reset/not-a-token").status_code == 404


def judge_with_unscored_entries(make_season, make_user, closes_in: timedelta):
    contest = make_season().contests[0]
    judge = make_user(Role.JUDGE, full_name="Judge Reminded")
    author = make_user(full_name="Secret Author Name", organization="Secret Author School")
    db.session.add(ContestJudge(contest=contest, judge=judge))
    db.session.add(ScoringRound(contest=contest, number=1, opens_at=utcnow() - timedelta(days=3),
                                closes_at=utcnow() + closes_in))
    for n in range(2):
        entry = Entry(contest=contest, lead_author=author, field=contest.fields[0], status=EntryStatus.SUBMITTED)
        entry.set_title(f"Secret Title {n}")
        entry.authors.append(EntryAuthor.from_user(author, 0))
        db.session.add(Assignment(judge=judge, entry=entry))
    db.session.commit()
    return contest, judge


def test_reminders_are_held_once_then_sent_on_the_organizers_word(smtp, client, runner, make_season, make_user,
                                                                   organizer, frozen_clock):
    contest, judge = judge_with_unscored_entries(make_season, make_user, timedelta(days=2, hours=12))
    assert "1 reminders held" in runner.invoke(args=["mail", "reminders"]).output
    assert "0 reminders held" in runner.invoke(args=["mail", "reminders"]).output   # never twice
    [held] = outbox()
    assert held.status is MailStatus.HELD and smtp.inbox.received == []
    page = client.get("/organizer/mail/").get_data(as_text=True)
    assert "Scoring reminder" in page
    confirm = client.get(f"/organizer/mail/batches/{held.batch}").get_data(as_text=True)
    assert "1 person receives this mail" in confirm
    client.post(f"/organizer/mail/batches/{held.batch}/send", data={"confirm": "yes"})
    message = smtp.inbox.one_to(judge.email)
    assert "2 entries in your queue are not scored yet" in text_of(message)
    for leak in ("Secret Author Name", "Secret Author School", "Secret Title"):
        assert leak not in message.as_string()
    # A day before closing, the one-day reminder; the three-day one is never sent again.
    frozen_clock.shift(timedelta(days=1, hours=13))
    assert "1 reminders held" in runner.invoke(args=["mail", "reminders"]).output
    assert "0 reminders held" in runner.invoke(args=["mail", "reminders"]).output
    assert [m.status for m in outbox()] == [MailStatus.SENT, MailStatus.HELD]


def test_published_results_are_held_then_mailed_to_each_participant(smtp, client, scored, organizer):
    contest, _panel, entries = scored
    snapshot = results.publish(contest, organizer, "mean")
    db.session.commit()
    held = outbox(status=MailStatus.HELD)
    assert len(held) == len(entries) and {m.batch for m in held} == {f"results-{snapshot.id}"}
    preview = client.get(f"/organizer/mail/{held[0].id}").get_data(as_text=True)
    assert "The results of" in preview
    client.post(f"/organizer/mail/batches/results-{snapshot.id}/send", data={"confirm": "yes"})
    assert len(smtp.inbox.received) == len(entries)
    message = smtp.inbox.one_to(entries[3].lead_author.email)
    assert entries[3].code in text_of(message) and "version 1" in text_of(message)
    assert outbox(status=MailStatus.SENT) and not outbox(status=MailStatus.HELD)


def test_a_newer_publication_replaces_the_held_results_mail_of_the_older_one(scored, organizer):
    contest, panel, entries = scored
    results.publish(contest, organizer, "mean")
    db.session.commit()
    second = results.publish(contest, organizer, "calibrated")
    db.session.commit()
    assert {m.batch for m in outbox()} == {f"results-{second.id}"}


def test_without_a_mail_server_the_outbox_holds_the_mail_and_hides_personal_links(client, organizer):
    client.post("/organizer/judges", data={"email": "j@example.uz", "full_name": "Judge J",
                                           "organization": "TSTU", "region": "samarkand"})
    [message] = outbox()
    assert message.status is MailStatus.QUEUED and "/auth/set-password/" in message.secret_link
    page = client.get("/organizer/mail/").get_data(as_text=True)
    assert "No mail server is configured" in page and "j@example.uz" in page
    preview = client.get(f"/organizer/mail/{message.id}").get_data(as_text=True)
    eml = client.get(f"/organizer/mail/{message.id}/message.eml")
    assert_download(eml, "message/rfc822", f"message-{message.id}.eml")
    parsed = message_from_bytes(eml.data, policy=policy.default)
    for shown in (preview, text_of(parsed), html_of(parsed)):
        assert "[personal link, hidden]" in shown and message.secret_link.rsplit("/", 1)[1] not in shown


def test_a_refusing_server_is_retried_with_backoff_then_the_message_fails_and_can_be_retried(
        smtp, app, client, organizer, runner, frozen_clock):
    app.config.update(MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_SECONDS=60)
    smtp.inbox.refuse = ["451 4.3.0 try again later"] * 2
    client.post("/organizer/judges", data={"email": "j@example.uz", "full_name": "Judge J",
                                           "organization": "TSTU", "region": "samarkand"})
    [message] = outbox()
    assert message.status is MailStatus.QUEUED and message.attempts == 1 and "451" in message.last_error
    assert message.next_attempt_at >= utcnow() + timedelta(seconds=50)
    assert "0 sent" in runner.invoke(args=["mail", "send"]).output          # not due yet
    frozen_clock.shift(timedelta(seconds=61))
    runner.invoke(args=["mail", "send"])
    db.session.expire_all()
    message = outbox()[0]
    assert (message.status, message.failure, message.attempts) == (MailStatus.FAILED, MailFailure.GAVE_UP, 2)
    page = client.get("/organizer/mail/?status=failed").get_data(as_text=True)
    assert "j@example.uz" in page and "451" in page
    client.post(f"/organizer/mail/{message.id}/retry")
    assert smtp.inbox.one_to("j@example.uz")
    assert outbox()[0].status is MailStatus.SENT


def test_a_permanent_refusal_fails_at_once(smtp, client, organizer):
    smtp.inbox.refuse = ["550 5.1.1 no such mailbox"]
    client.post("/organizer/judges", data={"email": "j@example.uz", "full_name": "Judge J",
                                           "organization": "TSTU", "region": "samarkand"})
    message = outbox()[0]
    assert (message.status, message.failure, message.attempts) == (MailStatus.FAILED, MailFailure.REFUSED, 1)


def test_mail_is_written_with_its_change_and_gone_with_its_rollback(app, make_user):
    judge = make_user(Role.JUDGE)
    from contest.services import notices

    notices.judge_invited(judge, "token")
    db.session.rollback()
    assert outbox() == []


def test_the_text_part_is_read_from_the_html_with_paragraphs_items_and_link_addresses():
    html = ("<html><head><title>T</title><style>p {}</style></head><body><p>Hello,\n   Ali.</p>"
            "<ul><li>E-00001</li><li>E-00002</li></ul><p>Queue: <a href=\"http://x.uz/q\">http://x.uz/q</a> or "
            "<a href=\"http://x.uz/h\">help</a> &amp; more</p></body></html>")
    assert mail.plain_text(html) == ("Hello, Ali.\n\n- E-00001\n- E-00002\n\n"
                                     "Queue: http://x.uz/q or help <http://x.uz/h> & more\n")
