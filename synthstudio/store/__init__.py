"""The SQLite pool: seeds, candidates, instances, runs, topics, problems, judge scores.

The store owns every line of SQL in synthstudio (a test holds it to that); the rest asks
it through :class:`Pool`'s methods and gets typed records (:mod:`synthstudio.records`):

- candidates (:mod:`.pool`): ``add_candidate``, ``get_candidate``, ``candidates``,
  ``iter_candidates``, ``set_status``, ``update_candidate``, ``counts``,
  ``rejection_reasons``, ``instructions``;
- seeds, topics, problems (:mod:`.seeds_store`): ``add_seeds``, ``list_seeds``,
  ``get_seed``, ``update_seed``, ``delete_seed``, ``restore_seed``; ``topics``,
  ``add_topics``, ``update_topic``, ``delete_topic`` and the same for ``problems``
  (:class:`~synthstudio.records.Topic`, :class:`~synthstudio.records.Problem`);
- runs (:mod:`.runs_store`): ``start_run``, ``save_run_state``, ``finish_run``,
  ``reopen_run``, ``get_run``, ``last_unfinished_run``, ``run_counts``;
- aggregates (:mod:`.recipe_queries`): ``textbook_coverage``, ``textbook_texts``,
  ``same_topic``, ``problem_samples``, ``counts_by_recipe``, ``count_accepted_instances``,
  ``count_runs``, ``is_empty``;
- judge scores (:mod:`.scores_store`): ``save_score``, ``get_score``, ``scores_for``,
  ``ids_to_judge``, ``count_to_judge``, ``ids_by_score``, ``score_histogram``;
- the export (:mod:`.export_query`, run by :mod:`.export_reader`) and the report
  (:mod:`.report_query`) read through their own connections, in id-range batches or one
  snapshot.

Recipes see only :class:`synthstudio.recipes.context.RecipeStore`, the reads they need.
Prompt, raw output and provenance live in ``candidate_provenance`` beside
``candidates`` (schema 4), so scans of the items do not read them.
"""

from synthstudio.store.pool import Pool, default_db_path

__all__ = ["Pool", "default_db_path"]
