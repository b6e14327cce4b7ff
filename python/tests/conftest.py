import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))                       # divtune_torch
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))  # the fixture scripts' tokenizer and data
FIXTURES = os.path.join(ROOT, "Tests", "TrainingTests", "Fixtures")
