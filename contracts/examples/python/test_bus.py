"""Runs against a live bus with a worker consuming it: RABBITMQ_URL must be set (infra/test.sh starts RabbitMQ, the
emulator and a worker process). Fails, never skips, without it. Run with /usr/bin/python3 -m unittest -v."""
import os
import unittest

from messaging_bus import MessagingBus

WEATHER_TOOLS = [
    {"type": "function", "name": "get_current_temperature",
     "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}},
]


class BusTest(unittest.TestCase):
    def setUp(self):
        url = os.environ.get("RABBITMQ_URL")
        self.assertTrue(url, "RABBITMQ_URL is not set: run infra/test.sh (it starts RabbitMQ and a worker)")
        self.bus = MessagingBus(url, "python-test")

    def tearDown(self):
        self.bus.close()

    def test_a_python_publisher_gets_the_streamed_answer_on_its_reply_queue(self):
        answer = self.bus.ask({"model": "gemini-3.5-flash", "input": "Explain how AI works"})

        self.assertEqual("InteractionCompleted", answer.type)
        self.assertEqual("completed", answer.final["status"])
        self.assertTrue(answer.deltas, "no StepDelta arrived")
        self.assertEqual(list(range(1, len(answer.deltas) + 1)), [d["sequence"] for d in answer.deltas])
        self.assertEqual(answer.final["outputText"], answer.text)
        self.assertGreater(answer.final["usage"]["total_tokens"], 0)

    def test_a_python_function_answers_the_models_call_and_the_turn_completes(self):
        asked = []

        def get_current_temperature(location):
            asked.append(location)
            return {"location": location, "celsius": 21.5}

        answer = self.bus.ask({"model": "gemini-3.5-flash", "input": "What is the temperature in Cairo?", "tools": WEATHER_TOOLS},
                              functions={"get_current_temperature": get_current_temperature})

        self.assertEqual("InteractionCompleted", answer.type, answer.final)
        self.assertEqual("completed", answer.final["status"])
        self.assertEqual(1, len(answer.calls))
        self.assertEqual(1, len(asked))
        self.assertNotEqual(answer.calls[0]["requestId"], answer.final["requestId"])  # the saga's continuation answered


if __name__ == "__main__":
    unittest.main()
