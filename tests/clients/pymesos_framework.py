"""A small pymesos framework: subscribes to the master given as argv[1], launches 3 command tasks
from one offer, waits for TASK_FINISHED of each (pymesos acknowledges each update itself) and
exits 0. Any other terminal state, an ERROR, or 60 s without finishing exits non-zero."""

import logging
import os
import sys
import threading

from pymesos import MesosSchedulerDriver, Scheduler

TASKS = 3
CPUS, MEM = 0.1, 32


def scalar(name, value):
    return dict(name=name, type="SCALAR", scalar=dict(value=value))


def offered(offer, name):
    return sum(r["scalar"]["value"] for r in offer.get("resources", [])
               if r["name"] == name and r.get("type") == "SCALAR")


class ThreeTasks(Scheduler):
    def __init__(self):
        self.launched = False
        self.finished = set()
        self.failed = None
        self.done = threading.Event()

    def registered(self, driver, framework_id, master_info):
        print("pymesos: registered as %s with %s" % (framework_id["value"], master_info), flush=True)

    def resourceOffers(self, driver, offers):
        for offer in offers:
            enough = offered(offer, "cpus") >= TASKS * CPUS and offered(offer, "mem") >= TASKS * MEM
            if self.launched or not enough:
                driver.declineOffer(offer["id"], dict(refuse_seconds=5))
                continue
            tasks = [dict(
                name="pymesos-%d" % i,
                task_id=dict(value="pymesos-%d" % i),
                agent_id=offer["agent_id"],
                command=dict(value="echo pymesos task %d" % i),
                resources=[scalar("cpus", CPUS), scalar("mem", MEM)],
            ) for i in range(TASKS)]
            driver.launchTasks(offer["id"], tasks)
            self.launched = True
            print("pymesos: launched %d tasks on offer %s" % (TASKS, offer["id"]["value"]), flush=True)

    def statusUpdate(self, driver, update):
        task, state = update["task_id"]["value"], update["state"]
        print("pymesos: %s %s %s" % (task, state, update.get("message", "")), flush=True)
        if state == "TASK_FINISHED":
            self.finished.add(task)
        elif state not in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"):
            self.failed = "%s ended %s: %s" % (task, state, update.get("message", ""))
        if self.failed or len(self.finished) == TASKS:
            self.done.set()

    def error(self, driver, message):
        self.failed = "ERROR from the master: %s" % message
        self.done.set()


def main():
    logging.basicConfig(level=logging.WARNING)
    master = sys.argv[1]
    scheduler = ThreeTasks()
    framework = dict(user="root", name="pymesos-three-tasks", hostname="localhost")
    driver = MesosSchedulerDriver(scheduler, framework, master, use_addict=False)
    driver.start()
    ended = scheduler.done.wait(60)
    # The last ACKNOWLEDGE goes out on the driver's thread right after statusUpdate returns.
    threading.Event().wait(0.5)
    driver.stop()
    if not ended:
        print("pymesos: FAIL: only %s finished within 60 s" % sorted(scheduler.finished), flush=True)
        os._exit(2)
    if scheduler.failed:
        print("pymesos: FAIL: %s" % scheduler.failed, flush=True)
        os._exit(1)
    print("pymesos: OK, finished %s" % sorted(scheduler.finished), flush=True)
    driver.join()
    os._exit(0)


if __name__ == "__main__":
    main()
