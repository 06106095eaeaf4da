"""Log into a running Odoo with headless Chromium and save a screenshot.

    python tools/screenshot.py URL_PATH OUTPUT.png [--lang fa_IR]

Used to refresh the README's pictures from the demo database (tools/demo).
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket


class Browser:
    def __init__(self, width=1400, height=1250):
        self.profile = tempfile.mkdtemp(prefix="crm_lifecycle_shot_")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        self.process = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Port 0: Chromium picks a free port and writes it in the profile,
        # so that two screenshots can run side by side.
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        pages = []
        for _ in range(100):
            try:
                with open(port_file, encoding="utf-8") as handle:
                    port = handle.readline().strip()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as answer:
                    pages = [p for p in json.load(answer) if p["type"] == "page"]
                if pages:
                    break
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"])
        self.ids = 0

    def call(self, method, **params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.ids:
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True)
        return result.get("result", {}).get("value")

    def goto(self, url, wait_for, timeout=30):
        self.call("Page.navigate", url=url)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(wait_for)})"):
                time.sleep(1.5)
                return
            time.sleep(0.3)
        raise TimeoutError(f"{wait_for} not found on {url}")

    def close(self):
        self.ws.close()
        self.process.terminate()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("output")
    parser.add_argument("--base", default="http://localhost:8069")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument(
        "--wait-for", default=".o_form_view, .o_kanban_view, .o_list_view"
    )
    parser.add_argument("--tab", help="label of a form notebook tab to open first")
    args = parser.parse_args()
    browser = Browser()
    try:
        browser.goto(f"{args.base}/web/login", "input[name=login]")
        login, password = json.dumps(args.login), json.dumps(args.password)
        browser.evaluate(
            f"""document.querySelector('input[name=login]').value = {login};
            document.querySelector('input[name=password]').value = {password};
            document.querySelector('form.oe_login_form').submit();"""
        )
        time.sleep(3)
        browser.goto(f"{args.base}{args.path}", args.wait_for)
        if args.tab:
            browser.evaluate(
                f"""[...document.querySelectorAll('.o_notebook .nav-link')]
                .find(a => a.textContent.trim() === {json.dumps(args.tab)})?.click()"""
            )
            time.sleep(1.5)
        shot = browser.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=False
        )
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
