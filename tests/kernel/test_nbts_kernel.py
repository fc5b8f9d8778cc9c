"""Jupyter's kernel conformance suite (jupyter_kernel_test) against the project's kernel `nbts`,
plus the protocol parts the suite does not cover: aborted requests, interrupt, comm_info, restart, shutdown.

Run: /usr/bin/python3 -m unittest -v tests/kernel/test_nbts_kernel.py   (after `npm run kernel`)
"""
import time
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel


class NbtsKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "nbts"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("to stderr");'
    code_generate_error = 'throw new Error("boom");'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "const greeting: string = 'hi';\ngreeting.length", "result": "2"},
        {"code": "[1, 2, 3].map((x) => x * 2)", "result": "[ 2, 4, 6 ]"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>bold</b>");', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.markdown("*md*");', "mime": "text/markdown"},
    ]
    completion_samples = [
        {"text": "const zzAlpha = 1, zzBeta = 2;\nzz", "matches": {"zzAlpha", "zzBeta"}},
        {"text": "Math.PI.toFix", "matches": {"toFixed"}},
    ]
    complete_code_samples = ["1 + 1", "const x = 1;", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "const y = [1, 2,", "`unterminated"]
    invalid_code_samples = ["let 1x = 3;", "a b c", ") 1"]
    code_inspect_sample = "Math.max"
    code_clear_output = 'console.log("soon gone");\nclearOutput();'
    code_page_something = 'page("litrec: literate recommender systems");'
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + *"

    def run_cell(self, code, **kw):
        msg_id = self.kc.execute(code, **kw)
        reply = self.get_non_kernel_info_reply(timeout=30)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        return reply

    def iopub_of(self, msg_id, timeout=10):
        """The iopub messages of one request, up to its idle status."""
        out = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
            out.append(msg)
        self.fail("no idle status")

    def test_nbts_error_points_at_cell_lines(self):
        self.flush_channels()
        reply = self.run_cell('const a = 1;\nconst b = 2;\nfunction f() {\n  throw new RangeError("out of range");\n}\nf();')
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "RangeError")
        self.assertEqual(c["evalue"], "out of range")
        self.assertTrue(any("cell line 4" in line for line in c["traceback"]), c["traceback"])
        self.assertIsInstance(c["execution_count"], int)

    def test_nbts_type_error_names_line(self):
        self.flush_channels()
        reply = self.run_cell('const ok = 1;\nconst n: number = "text";')
        c = reply["content"]
        self.assertEqual(c["status"], "error")
        self.assertEqual(c["ename"], "CompileError")
        self.assertIn("line 2", c["evalue"])

    def test_nbts_execute_input_and_counts(self):
        self.flush_channels()
        msg_id = self.kc.execute("40 + 2")
        reply = self.get_non_kernel_info_reply(timeout=30)
        msgs = self.iopub_of(msg_id)
        inputs = [m for m in msgs if m["msg_type"] == "execute_input"]
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(inputs), 1)
        self.assertEqual(inputs[0]["content"]["execution_count"], reply["content"]["execution_count"])
        self.assertEqual(results[0]["content"]["execution_count"], reply["content"]["execution_count"])
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "42")

    def test_nbts_redeclare_const_and_top_level_await(self):
        self.flush_channels()
        self.assertEqual(self.run_cell("const redeclared = 1;")["content"]["status"], "ok")
        self.assertEqual(self.run_cell("const redeclared = 'again';")["content"]["status"], "ok")
        msg_id = self.kc.execute("await new Promise((r) => setTimeout(r, 20));\nredeclared.toUpperCase()")
        self.assertEqual(self.get_non_kernel_info_reply(timeout=30)["content"]["status"], "ok")
        results = [m for m in self.iopub_of(msg_id) if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "'AGAIN'")

    def test_nbts_aborted_after_error(self):
        self.flush_channels()
        first = self.kc.execute('throw new Error("first fails");')
        second = self.kc.execute("1")
        replies = {}
        while len(replies) < 2:
            r = self.get_non_kernel_info_reply(timeout=30)
            replies[r["parent_header"]["msg_id"]] = r
        self.assertEqual(replies[first]["content"]["status"], "error")
        self.assertEqual(replies[second]["content"]["status"], "aborted")

    def test_nbts_comm_info(self):
        self.flush_channels()
        msg_id = self.kc.comm_info()
        reply = self.get_non_kernel_info_reply(timeout=10)
        self.assertEqual(reply["header"]["msg_type"], "comm_info_reply")
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["comms"], {})

    def test_nbts_interrupt(self):
        self.flush_channels()
        # A busy loop is stopped by SIGINT; a cell waiting on a promise is abandoned.
        # 0.2 s: the interrupt may land while the cell is still compiling; it must not start then.
        for code, wait in [("while (true) {}", 1.5), ("await new Promise(() => {});", 1.5), ("while (true) {}", 0.2)]:
            with self.subTest(code=code, wait=wait):
                msg_id = self.kc.execute(code)
                time.sleep(wait)
                self.km.interrupt_kernel()
                reply = self.get_non_kernel_info_reply(timeout=20)
                self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
                self.assertEqual(reply["content"]["status"], "error")
                self.assertEqual(self.run_cell("'still alive'")["content"]["status"], "ok")


class NbtsKernelLifecycle(unittest.TestCase):
    def test_restart_and_shutdown(self):
        km, kc = start_new_kernel(kernel_name="nbts")
        try:
            kc.execute_interactive("const before = 1;", timeout=30)
            km.restart_kernel(now=False)
            kc.wait_for_ready(timeout=60)
            results = []
            hook = lambda msg: results.append(msg["content"]["data"]["text/plain"]) if msg["msg_type"] == "execute_result" else None
            reply = kc.execute_interactive("typeof before", timeout=30, output_hook=hook)
            self.assertEqual(reply["content"]["status"], "ok")
            self.assertEqual(results, ["'undefined'"], "a restarted kernel starts empty")
            kc.execute_interactive("const before = 'fresh';", timeout=30)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
        self.assertFalse(km.is_alive())


if __name__ == "__main__":
    unittest.main()
