"""The ``assistant`` command for operators and editors who work in files.

    assistant db upgrade
    assistant content seed | list | show SLUG [ASPECT] | publish SLUG ASPECT FILE --author NAME | export DIR
    assistant flags list [--status open] [--patient ID] [--json]
    assistant diary show PATIENT_ID [--json]
    assistant nlp build
    assistant users create USERNAME --role nurse|editor|admin [--name NAME] [--password-stdin]
    assistant users list [--json] | disable USERNAME | enable USERNAME | password USERNAME [--password-stdin]
    assistant serve
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional

from assistant.config import load_settings
from assistant.db import session_scope
from assistant.knowledge.aspects import ASPECTS
from assistant.knowledge.store import KnowledgeStore, UnknownAspect, UnknownTopic
from assistant.tables import FLAG_STATUSES, STAFF_ROLES


class CommandError(Exception):
    """A problem the operator can fix; printed without a traceback, exit status 2."""


def _cmd_db_upgrade(args) -> int:
    from assistant.migrate import upgrade

    upgrade()
    print("database is at the latest schema")
    return 0


def _cmd_content_seed(args) -> int:
    from assistant.knowledge.seed import SeedError, load_seed

    directory = Path(args.dir) if args.dir else load_settings().content_dir
    try:
        with session_scope() as session:
            report = load_seed(session, directory)
    except SeedError as error:
        raise CommandError(str(error)) from error
    print(
        f"seed loaded: {report.topics_created} topics created, {report.texts_created} texts published, "
        f"{report.synonyms_added} synonyms added, {report.synonyms_removed} removed, "
        f"{report.texts_kept_editor} texts kept as editors left them"
    )
    return 0


def _cmd_content_list(args) -> int:
    with session_scope() as session:
        rows = KnowledgeStore(session).statuses()
    if args.json:
        print(json.dumps([
            {"slug": r.slug, "kind": r.kind, "title": r.title, "aspect": r.aspect,
             "published_version": r.published_version, "latest_version": r.latest_version,
             "latest_status": r.latest_status, "author": r.author,
             "changed_at": r.changed_at.isoformat() if r.changed_at else None,
             "review_due": r.review_due.isoformat() if r.review_due else None}
            for r in rows
        ], indent=2))
        return 0
    print(f"{'SLUG':34} {'KIND':10} {'ASPECT':15} {'PUB':>4} {'LATEST':>6} {'STATUS':10} AUTHOR")
    for r in rows:
        print(f"{r.slug:34} {r.kind:10} {r.aspect:15} {str(r.published_version or '-'):>4} "
              f"{r.latest_version:>6} {r.latest_status:10} {r.author}")
    return 0


def _cmd_content_show(args) -> int:
    with session_scope() as session:
        store = KnowledgeStore(session)
        topic = _topic_or_error(store, args.slug)
        aspects = [args.aspect] if args.aspect else store.published_aspects(args.slug)
        if args.aspect and args.aspect not in ASPECTS:
            raise CommandError(f"unknown aspect '{args.aspect}' (known: {', '.join(ASPECTS)})")
        print(f"# {topic.title}  [{topic.slug}, {topic.kind}]")
        print("synonyms: " + ", ".join(sorted(s.phrase for s in topic.synonyms)))
        for aspect in aspects:
            answer = store.published_answer(args.slug, aspect)
            if answer is None:
                print(f"\n## {aspect}\n(no published text)")
                continue
            print(f"\n## {aspect}  (version {answer.version}, by {answer.author})\n\n{answer.body}")
    return 0


def _cmd_content_publish(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    body = path.read_text(encoding="utf-8")
    with session_scope() as session:
        store = KnowledgeStore(session)
        _topic_or_error(store, args.slug)
        try:
            text = store.publish(args.slug, args.aspect, body, author=args.author)
        except UnknownAspect:
            raise CommandError(f"unknown aspect '{args.aspect}' (known: {', '.join(ASPECTS)})")
        except ValueError as error:
            raise CommandError(str(error))
        version = text.version
    print(f"published {args.slug}/{args.aspect} version {version}; the bot uses it from its next message")
    return 0


def _cmd_content_export(args) -> int:
    from assistant.knowledge.export import export_topics

    with session_scope() as session:
        written = export_topics(KnowledgeStore(session), Path(args.dir))
    print(f"exported {len(written)} topics to {args.dir}")
    return 0


def _cmd_nlp_build(args) -> int:
    from assistant.nlp.pipeline import build_and_install

    with session_scope() as session:
        vocabulary = KnowledgeStore(session).vocabulary()
    installed = build_and_install(vocabulary, force=args.force)
    print(f"spaCy pipeline {'built and installed' if installed else 'already current'} ({len(vocabulary)} phrases)")
    return 0


def _cmd_flags_list(args) -> int:
    from assistant.safety.flags import list_flags

    with session_scope() as session:
        flags = list_flags(session, status=args.status, patient=args.patient)
    if args.json:
        print(json.dumps([f.as_dict() for f in flags], indent=2))
        return 0
    for f in flags:
        print(f"#{f.id:<5} {f.level:9} {f.status:12} {f.category:20} {f.rule_id:18} {f.created_at[:16]}  "
              f"patient {f.patient_id}")
    print(f"{len(flags)} flag(s)")
    return 0


def _cmd_diary_show(args) -> int:
    from assistant.diary.service import summary

    with session_scope() as session:
        data = summary(session, args.patient_id, last=args.last).as_dict()
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"patient {data['patient_id']}: leg pain this week {data['leg_pain_this_week']} "
          f"(last week {data['leg_pain_last_week']}), back pain this week {data['back_pain_this_week']} "
          f"(last week {data['back_pain_last_week']})")
    for entry in data["entries"]:
        print(f"  {entry['recorded_at'][:16]}  leg {entry['leg_pain']}  back {entry['back_pain']}  "
              f"numbness {entry['numbness']}  weakness {entry['weakness']}")
    for treatment in data["treatments"]:
        print(f"  {treatment['occurred_on']} {treatment['therapy_slug']}: leg pain {treatment['before']} before, "
              f"{treatment['after']} after")
    return 0


def _read_password(args) -> str:
    """From stdin (scripts) or twice at a hidden prompt; never from the command line, which `ps` shows."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise CommandError("the two passwords differ")
    return first


def _account_change(action: str, change, **detail) -> None:
    """Run ``change(session)`` on a staff account and audit it as the CLI; refusals become CommandError."""
    from assistant.staff import audit
    from assistant.staff.accounts import AccountError

    try:
        with session_scope() as session:
            user = change(session)
            audit.record(session, "cli", action, "staff_user", user.id, **detail)
    except AccountError as error:
        raise CommandError(str(error))


def _cmd_users_create(args) -> int:
    from assistant.staff.accounts import create_user

    password = _read_password(args)
    _account_change("user.create", lambda session: create_user(session, args.username, password, args.role,
                                                                args.name or ""), role=args.role)
    print(f"created {args.role} {args.username.strip().lower()}")
    return 0


def _cmd_users_list(args) -> int:
    from assistant.staff.accounts import list_users

    with session_scope() as session:
        users = [{"username": u.username, "name": u.display_name, "role": u.role, "active": u.active,
                  "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None}
                 for u in list_users(session)]
    if args.json:
        print(json.dumps(users, indent=2))
        return 0
    for u in users:
        print(f"{u['username']:24} {u['role']:8} {'active' if u['active'] else 'disabled':9} {u['name']}")
    print(f"{len(users)} user(s)")
    return 0


def _cmd_users_set_active(args) -> int:
    from assistant.staff.accounts import set_active

    active = args.command == "enable"
    _account_change(f"user.{args.command}", lambda session: set_active(session, args.username, active))
    print(f"{args.username} {'enabled' if active else 'disabled'}")
    return 0


def _cmd_users_password(args) -> int:
    from assistant.staff.accounts import set_password

    password = _read_password(args)
    _account_change("user.password", lambda session: set_password(session, args.username, password))
    print(f"password changed for {args.username}")
    return 0


def _cmd_serve(args) -> int:
    from assistant.serve import serve

    return serve()


def _topic_or_error(store: KnowledgeStore, slug: str):
    try:
        return store.topic(slug)
    except UnknownTopic:
        raise CommandError(f"unknown topic '{slug}' (see: assistant content list)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    groups = parser.add_subparsers(dest="group", required=True)

    db = groups.add_parser("db", help="database schema").add_subparsers(dest="command", required=True)
    db.add_parser("upgrade", help="migrate the database to the latest schema").set_defaults(func=_cmd_db_upgrade)

    content = groups.add_parser("content", help="answer texts").add_subparsers(dest="command", required=True)
    seed = content.add_parser("seed", help="load content/topics/*.md (idempotent)")
    seed.add_argument("--dir", help="seed directory (default: ASSISTANT_CONTENT_DIR or content/topics)")
    seed.set_defaults(func=_cmd_content_seed)
    listing = content.add_parser("list", help="every topic and aspect with its status")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=_cmd_content_list)
    show = content.add_parser("show", help="the published text of a topic")
    show.add_argument("slug")
    show.add_argument("aspect", nargs="?")
    show.set_defaults(func=_cmd_content_show)
    publish = content.add_parser("publish", help="publish a new version from a Markdown file")
    publish.add_argument("slug")
    publish.add_argument("aspect")
    publish.add_argument("file")
    publish.add_argument("--author", required=True)
    publish.set_defaults(func=_cmd_content_publish)
    export = content.add_parser("export", help="write the published texts as seed-format files")
    export.add_argument("dir")
    export.set_defaults(func=_cmd_content_export)

    flags = groups.add_parser("flags", help="red flags raised by the safety net").add_subparsers(
        dest="command", required=True)
    flag_list = flags.add_parser("list", help="flags, most serious and oldest first")
    flag_list.add_argument("--status", choices=FLAG_STATUSES)
    flag_list.add_argument("--patient", help="the patient's id (the conversation's sender id)")
    flag_list.add_argument("--json", action="store_true")
    flag_list.set_defaults(func=_cmd_flags_list)

    diary = groups.add_parser("diary", help="patients' symptom diaries").add_subparsers(dest="command", required=True)
    diary_show = diary.add_parser("show", help="the last entries, weekly averages and treatments before/after")
    diary_show.add_argument("patient_id", help="the patient's id (the conversation's sender id)")
    diary_show.add_argument("--last", type=int, default=5, help="how many recent entries (default 5)")
    diary_show.add_argument("--json", action="store_true")
    diary_show.set_defaults(func=_cmd_diary_show)

    nlp = groups.add_parser("nlp", help="the spaCy pipeline").add_subparsers(dest="command", required=True)
    build = nlp.add_parser("build", help="build and install the pipeline from the store's vocabulary")
    build.add_argument("--force", action="store_true")
    build.set_defaults(func=_cmd_nlp_build)

    users = groups.add_parser("users", help="staff accounts").add_subparsers(dest="command", required=True)
    create = users.add_parser("create", help="a nurse, editor or admin account")
    create.add_argument("username")
    create.add_argument("--role", required=True, choices=STAFF_ROLES)
    create.add_argument("--name", help="the name shown in the portal and the audit log")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(func=_cmd_users_create)
    user_list = users.add_parser("list", help="every account with its role and state")
    user_list.add_argument("--json", action="store_true")
    user_list.set_defaults(func=_cmd_users_list)
    for verb in ("disable", "enable"):
        toggle = users.add_parser(verb, help=f"{verb} an account (history is kept)")
        toggle.add_argument("username")
        toggle.set_defaults(func=_cmd_users_set_active)
    password = users.add_parser("password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    password.set_defaults(func=_cmd_users_password)

    serve = groups.add_parser("serve", help="start the action server, Rasa and the portal (make run)")
    serve.set_defaults(func=_cmd_serve)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CommandError as error:
        print(f"assistant: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
