"""Asks the bus one question and prints the streamed answer: /usr/bin/python3 ask.py "Explain how AI works" (RABBITMQ_URL)."""
import os
import sys

from messaging_bus import MessagingBus

if __name__ == "__main__":
    bus = MessagingBus(os.environ.get("RABBITMQ_URL", "amqp://guest:guest@localhost:5672/"), "ask", os.environ.get("BUS_NAME_PREFIX", ""))
    try:
        answer = bus.ask({"model": "gemini-3.5-flash", "input": " ".join(sys.argv[1:]) or "Explain how AI works"},
                         on_delta=lambda delta: print(delta.get("text") or "", end="", flush=True))
        print()
        if answer.type != "InteractionCompleted":
            sys.exit(f"{answer.type}: {answer.final}")
    finally:
        bus.close()
