"""A team deployment on loopback: two `palermo serve` processes with empty homes over one real
`chroma run`, ratings in one real PostgreSQL, an upload through one seen by the other."""

from __future__ import annotations

import time

from assistant.feedback import FeedbackStore
from evals.load import ask, client, cluster, reply_of

TIMEOUT = 120
NEW_DOCUMENT = (
    "Harbour Pilot Project\n\nThe Harbour Pilot Project trained 412 coast guard officers in 2025 "
    "to identify smuggled migrants at sea and to refer them to protection services.\n"
)


def test_two_replicas_answer_alike_rate_into_postgresql_and_follow_an_upload(
    tmp_path, small_corpus, postgres_url
):
    from gradio_client import handle_file

    env = {"PALERMO_DATABASE_URL": postgres_url, "PALERMO_FOLLOW_SECONDS": "0.5"}
    with cluster(tmp_path / "deployment", small_corpus, replicas=2, env=env) as running:
        assert not any((home / "chroma").exists() for home in running.homes)
        one, two = (client(url) for url in running.replica_urls)
        questions = ["Which countries does GLO.ACT cover?", "Who funds GLO.ACT?"]
        asked = []
        for question in questions:
            first, second = ask(one, question), ask(two, question)
            asked += [(question, first), (question, second)]
            assert reply_of(first) == reply_of(second)
            assert "[1]" in reply_of(first)

        one.submit(0, "Helpful", "", api_name="/feedback").result(timeout=TIMEOUT)
        two.submit(1, "Not helpful", "Name the donor", api_name="/feedback").result(timeout=TIMEOUT)
        store = FeedbackStore(postgres_url)
        rows = store.rows()
        assert [(r["question"], r["rating"], r["comment"]) for r in rows] == [
            (questions[0], 1, ""),
            (questions[1], -1, "Name the donor"),
        ]
        assert not any((home / "feedback.sqlite3").exists() for home in running.homes)
        logged = store.answers()  # the audit log: every answer either replica gave
        assert [a["question"] for a in logged] == [q for q, _ in asked]
        assert all("[1]" in a["answer"]["answer"] and a["corpus_version"] for a in logged)

        upload = tmp_path / "harbour-pilot.txt"
        upload.write_text(NEW_DOCUMENT, encoding="utf-8")
        status = one.submit([handle_file(str(upload))], api_name="/upload").result(timeout=TIMEOUT)[
            0
        ]
        assert "Indexed: harbour-pilot" in status

        question = "How many coast guard officers did the Harbour Pilot Project train?"
        deadline = time.monotonic() + TIMEOUT
        answer = ""
        while "412" not in answer and time.monotonic() < deadline:
            answer = reply_of(ask(two, question))  # answered meanwhile, from the old snapshot
            time.sleep(1)
        assert "412" in answer and "[1]" in answer
