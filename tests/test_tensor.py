"""Unit tests for dlnotes.tensor."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
import torch

from dlnotes.tensor import (
    describe,
    from_numpy,
    get_device,
    seed_everything,
    summarize,
    to_numpy,
)


class TestSummarize:
    def test_metadata_and_values(self):
        x = torch.tensor([[1.0, 2.0], [3.0, 6.0]], dtype=torch.float64, requires_grad=True)
        text = summarize(x, name="x")
        assert text.startswith(
            "x: shape=(2, 2) dtype=torch.float64 device=cpu requires_grad=True | "
        )
        # mean 3, sample std sqrt(((4 + 1 + 0 + 9) / 3)) = 2.160
        assert "min=1 max=6 mean=3 std=2.16" in text

    def test_does_not_touch_autograd(self):
        w = torch.ones(3, requires_grad=True)
        summarize(w * 2)
        assert w.grad is None

    def test_integer_and_bool_tensors(self):
        assert "mean=1.5" in summarize(torch.arange(4))
        assert "min=0 max=1 mean=0.5" in summarize(torch.tensor([True, False]))

    def test_single_element_has_no_std(self):
        text = summarize(torch.tensor(3.0))
        assert text.endswith("min=3 max=3 mean=3")
        assert "shape=()" in text

    def test_empty(self):
        assert summarize(torch.empty(0, 3)).endswith("| empty")

    def test_non_finite_are_counted(self):
        text = summarize(torch.tensor([1.0, float("nan"), float("inf")]))
        assert "non-finite=2" in text

    def test_complex_uses_magnitude(self):
        text = summarize(torch.tensor([3 + 4j, 0j]))
        assert "max=5" in text

    def test_rejects_non_tensor(self):
        with pytest.raises(TypeError, match=r"Expected a torch.Tensor, got list"):
            summarize([1, 2, 3])

    def test_describe_prints_summary(self):
        buffer = io.StringIO()
        describe(torch.zeros(2), "z", file=buffer)
        assert buffer.getvalue() == summarize(torch.zeros(2), "z") + "\n"


class TestSeedEverything:
    def test_repeatable_across_libraries(self):
        seed_everything(123)
        first = (random.random(), np.random.rand(), torch.rand(1).item())
        seed_everything(123)
        second = (random.random(), np.random.rand(), torch.rand(1).item())
        assert first == second

    def test_returned_generator_is_seeded(self):
        g = seed_everything(7)
        expected = torch.Generator().manual_seed(7)
        assert torch.equal(torch.rand(4, generator=g), torch.rand(4, generator=expected))

    @pytest.mark.parametrize("seed", [-1, 2**32])
    def test_out_of_range(self, seed):
        with pytest.raises(ValueError, match=rf"Invalid seed: {seed}"):
            seed_everything(seed)

    @pytest.mark.parametrize("seed", [1.5, "3", True, None])
    def test_wrong_type(self, seed):
        with pytest.raises(TypeError, match="Invalid seed"):
            seed_everything(seed)

    def test_accepts_numpy_integer(self):
        seed_everything(np.int64(5))


class TestGetDevice:
    def test_cpu(self):
        assert get_device("cpu") == torch.device("cpu")
        assert get_device(" CPU ") == torch.device("cpu")
        assert get_device(torch.device("cpu")) == torch.device("cpu")

    def test_auto_picks_an_available_device(self):
        device = get_device("auto")
        assert device == get_device(None)
        torch.zeros(1, device=device)  # usable

    def test_invalid_name(self):
        with pytest.raises(ValueError, match=r"Invalid device: 'gpu0'"):
            get_device("gpu0")

    @pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
    def test_missing_cuda_says_why(self):
        with pytest.raises(ValueError, match=r"'cuda' was requested, but CUDA is not available"):
            get_device("cuda")

    @pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
    def test_cuda_index_out_of_range(self):
        n = torch.cuda.device_count()
        with pytest.raises(ValueError, match=rf"only {n} CUDA device"):
            get_device(f"cuda:{n}")

    def test_missing_mps_says_why(self):
        backend = getattr(torch.backends, "mps", None)
        if backend is not None and backend.is_available():
            pytest.skip("MPS is available here")
        with pytest.raises(ValueError, match=r"'mps' was requested, but Apple's MPS"):
            get_device("mps")


class TestNumpyRoundTrip:
    def test_to_numpy_shares_memory_by_default(self):
        t = torch.zeros(3)
        a = to_numpy(t)
        t[1] = 2.0
        assert a[1] == 2.0

    def test_to_numpy_of_a_parameter_shares_memory(self):
        # detach() copies nothing: a "before the step" snapshot needs copy=True.
        w = torch.nn.Parameter(torch.zeros(3))
        before, snapshot = to_numpy(w), to_numpy(w, copy=True)
        with torch.no_grad():
            w.add_(1.0)
        np.testing.assert_array_equal(before, [1.0, 1.0, 1.0])
        np.testing.assert_array_equal(snapshot, [0.0, 0.0, 0.0])

    def test_to_numpy_copy(self):
        t = torch.zeros(3)
        a = to_numpy(t, copy=True)
        t[1] = 2.0
        assert a[1] == 0.0

    def test_to_numpy_handles_grad_and_lazy_views(self):
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        np.testing.assert_array_equal(to_numpy(w), [1.0, -2.0])
        np.testing.assert_array_equal(to_numpy(torch.tensor([1.0, 2.0]).neg()), [-1.0, -2.0])
        z = torch.tensor([1 + 2j]).conj()
        np.testing.assert_array_equal(to_numpy(z), [1 - 2j])

    def test_from_numpy_shares_memory(self):
        a = np.arange(3.0)
        t = from_numpy(a)
        a[0] = 9.0
        assert t[0].item() == 9.0
        assert t.dtype == torch.float64

    def test_from_numpy_rejects_a_dtype_name(self):
        with pytest.raises(TypeError, match="Invalid dtype: 'float32'"):
            from_numpy(np.arange(3.0), dtype="float32")

    def test_from_numpy_dtype_copies(self):
        a = np.arange(3.0)
        t = from_numpy(a, dtype=torch.float32)
        a[0] = 9.0
        assert t.dtype == torch.float32 and t[0].item() == 0.0

    def test_from_numpy_copy_flag(self):
        a = np.arange(3.0)
        t = from_numpy(a, copy=True)
        a[0] = 9.0
        assert t[0].item() == 0.0

    def test_from_numpy_read_only_array(self):
        a = np.arange(3.0)
        a.setflags(write=False)
        t = from_numpy(a)  # torch.from_numpy would warn about a non-writable array
        assert t.tolist() == [0.0, 1.0, 2.0]

    def test_round_trip_preserves_values_and_dtype(self):
        for dtype in (torch.float32, torch.float64, torch.int64, torch.uint8, torch.bool):
            t = torch.arange(6).reshape(2, 3).to(dtype)
            back = from_numpy(to_numpy(t))
            assert back.dtype == t.dtype
            assert torch.equal(back, t)

    def test_type_errors(self):
        with pytest.raises(TypeError, match=r"numpy\.ndarray"):
            from_numpy([1, 2])
        with pytest.raises(TypeError, match=r"torch\.Tensor"):
            to_numpy(np.zeros(2))

    def test_from_numpy_bad_device(self):
        with pytest.raises(ValueError, match="Invalid device"):
            from_numpy(np.zeros(2), device="tpu")
