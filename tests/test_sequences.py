"""Per-year number sequences: gap-free, independent per year, unique under concurrency."""
import threading

from marketplace import sequences
from marketplace.extensions import db


def test_numbers_count_up_per_name_and_year(app):
    with app.app_context():
        assert [sequences.next_value("contract", 2026) for _ in range(3)] == [1, 2, 3]
        assert sequences.next_value("contract", 2027) == 1
        assert sequences.next_value("achievement", 2026) == 1
        assert sequences.next_value("contract", 2026) == 4
        db.session.commit()
        assert sequences.current_value("contract", 2026) == 4
        assert sequences.current_value("contract", 2027) == 1
        assert sequences.current_value("contract", 2030) == 0


def test_a_rolled_back_number_is_given_again(app):
    with app.app_context():
        assert sequences.next_value("contract", 2026) == 1
        db.session.commit()
        assert sequences.next_value("contract", 2026) == 2
        db.session.rollback()
        assert sequences.next_value("contract", 2026) == 2
        db.session.commit()
        assert sequences.current_value("contract", 2026) == 2


def test_concurrent_transactions_take_distinct_gap_free_numbers(app):
    threads, per_thread = 8, 10
    taken, errors = [], []
    start = threading.Barrier(threads)

    def take_numbers():
        try:
            with app.app_context():
                start.wait()
                for _ in range(per_thread):
                    value = sequences.next_value("contract", 2026)
                    db.session.commit()
                    taken.append(value)
        except Exception as exc:  # reported below, with the thread's error
            errors.append(exc)

    workers = [threading.Thread(target=take_numbers) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sorted(taken) == list(range(1, threads * per_thread + 1))
    with app.app_context():
        assert sequences.current_value("contract", 2026) == threads * per_thread
