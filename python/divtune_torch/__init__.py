"""DivTune's PyTorch backend (docs/scale-out.md): the objectives of docs/methods.md §4–§6 as TRL
trainers, launched by `divtune train … --backend torch`."""
