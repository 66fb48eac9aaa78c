//! Planner. (In progress.)
