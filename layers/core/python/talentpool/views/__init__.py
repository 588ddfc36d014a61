"""What candidate-facing pages show: the context each page template gets, built from models. No HTML here
(that is templates/), no storage and no decisions (that is logic/)."""
