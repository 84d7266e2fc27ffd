"""A small unittest module that `python3 -m unittest` runs inside the VM."""

import os
import tempfile
import unittest


class SampleTest(unittest.TestCase):
    def test_arithmetic(self):
        self.assertEqual(sum(range(10)), 45)

    def test_temporary_file(self):
        with tempfile.NamedTemporaryFile("w+") as handle:
            handle.write("pith")
            handle.flush()
            handle.seek(0)
            self.assertEqual(handle.read(), "pith")

    def test_environment(self):
        self.assertIn("PATH", os.environ)


if __name__ == "__main__":
    unittest.main()
