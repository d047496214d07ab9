"""Shutdown: SIGTERM while a request waits on a hung Redis ends in one
clean teardown (exit 0; under the sanitizers, no leak and no use after free)."""

import signal
import threading
import unittest

from harness import Gateway, Redis, issue, main, wait_for


def redis_backlog(port):
    """Bytes the Redis server on port has received but not read, over all its
    client connections (/proc/net/tcp rx_queue): what a stopped Redis owes."""
    total = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            local, state, queues = fields[1], fields[3], fields[4]
            if int(local.rsplit(":", 1)[1], 16) == port and state == "01":   # ESTABLISHED
                total += int(queues.split(":")[1], 16)
    return total


class HungRedis(unittest.TestCase):
    def test_sigterm_with_a_request_waiting_on_redis(self):
        redis = Redis(appendonly=False)
        # A command timeout longer than the drain: the request is still
        # waiting when the drain deadline ends the loop.
        gw = Gateway(redis.url, KAIZEN_REDIS_TIMEOUT="60s")
        answer = {}
        try:
            redis.proc.send_signal(signal.SIGSTOP)
            before = redis_backlog(redis.port)
            big = issue(number=1, title="x" * 4000)   # larger than any timer's commands

            def post():
                try:
                    answer["status"] = gw.github("issues", big)[0]
                except OSError as e:
                    answer["error"] = str(e)

            client = threading.Thread(target=post)
            client.start()
            wait_for(lambda: redis_backlog(redis.port) >= before + 4000, timeout=30,
                     what="the webhook's script to reach the stopped Redis")
            gw.proc.send_signal(signal.SIGTERM)
            rc = gw.proc.wait(30)
            client.join(30)
            gw.proc = None
            gw.log.close()
            log = gw.read_log()
            print("exit code %d; the waiting request got %r" % (rc, answer))
            self.assertEqual(rc, 0, log[-3000:])
            self.assertIn("drain deadline reached", log)
            self.assertNotIn("AddressSanitizer", log)
            self.assertNotIn("runtime error", log)
            self.assertNotIn("LeakSanitizer", log)
            self.assertFalse(client.is_alive())
        finally:
            redis.proc.send_signal(signal.SIGCONT)
            gw.close()
            redis.close()


if __name__ == "__main__":
    main()
