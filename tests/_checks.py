"""Expected failures shared by the extractors' scikit-learn checks.

The extractors declare ``one_d_array`` input (one path or text per row); these
checks then still index X as 2-D, which is a limitation of the checks, not of
the estimators.
"""

TWO_D_REASON = (
    "the check indexes X as 2-D after the one_d_array tag made it 1-D "
    "(limitation of the check for 1-D estimators)"
)
TWO_D_CHECKS = (
    "check_dont_overwrite_parameters",
    "check_n_features_in_after_fitting",
    "check_n_features_in",
    "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit2d_predict1d",
)
TWO_D_FAILURES = dict.fromkeys(TWO_D_CHECKS, TWO_D_REASON)

#: checks that feed numeric arrays to fit (the extractors read paths or text)
NUMERIC_CHECKS = (
    "check_fit_score_takes_y",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_pickle",
    "check_transformer_preserve_dtypes",
    "check_fit_idempotent",
)
