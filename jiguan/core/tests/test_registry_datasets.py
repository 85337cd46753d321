"""What the modules publish to the data catalog must exist and be scoped: the catalog serves every
dataset through ``scoped()``, so a dataset whose model declares no data scope would fail closed at run time."""

import pytest
from django.apps import apps

from jiguan.core.registry import registry
from jiguan.core.scoping import scope_spec

DATASETS = [(spec.code, dataset) for spec in registry for dataset in spec.datasets]


def test_modules_publish_datasets():
    assert DATASETS, "no installed module publishes a dataset"


@pytest.mark.parametrize(("module", "dataset"), DATASETS, ids=[d.code for _m, d in DATASETS])
def test_each_dataset_names_an_installed_scoped_model(module, dataset):
    assert dataset.code.startswith(f"{module}."), "a dataset's code starts with its module's code"
    model = apps.get_model(dataset.model)  # raises LookupError for a model that is not installed
    scope_spec(model)  # raises when the model declares no data scope
    assert dataset.sensitivity in ("public", "internal", "personal")
