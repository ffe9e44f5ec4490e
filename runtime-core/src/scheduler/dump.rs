//! `Handle::dump`: every live task, as a tree of who spawned whom.

use crate::task::{TaskId, TaskInfo};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A snapshot of every live task of a runtime, arranged by parent task.
///
/// Its `Display` prints one line per task, children indented under the task
/// that spawned them:
///
/// ```text
/// runtime dump: 3 live tasks, 2 workers
/// - task 1 'server' Idle, age 2.31 s, 4 polls, busy ~0 ms, spawned at src/main.rs:12:5
///   - task 7 'conn-127.0.0.1:5123' Running, age 0.40 s, 90 polls, busy ~125 ms, spawned at src/main.rs:20:9
/// - task 3 Scheduled, age 2.30 s, 1 polls, busy ~0 ms, spawned at src/main.rs:14:5
/// ```
#[derive(Debug, Clone)]
pub struct TaskDump {
    tasks: Vec<TaskInfo>,
    workers: usize,
}

impl TaskDump {
    pub(crate) fn new(tasks: Vec<TaskInfo>, workers: usize) -> TaskDump {
        TaskDump { tasks, workers }
    }

    /// The tasks, by id.
    pub fn tasks(&self) -> &[TaskInfo] {
        &self.tasks
    }

    /// The live task with this id, if any.
    pub fn get(&self, id: TaskId) -> Option<&TaskInfo> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

fn line(f: &mut fmt::Formatter<'_>, depth: usize, task: &TaskInfo) -> fmt::Result {
    write!(f, "\n{:indent$}- task {}", "", task.id, indent = depth * 2)?;
    if let Some(name) = &task.name {
        write!(f, " '{name}'")?;
    }
    write!(f, " {:?}", task.state)?;
    match task.age {
        Some(age) => write!(f, ", age {:.2} s", age.as_secs_f64())?,
        None => f.write_str(", age ?")?,
    }
    write!(
        f,
        ", {} polls, busy ~{} ms, spawned at {}",
        task.polls,
        task.busy.as_millis(),
        task.location
    )
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "runtime dump: {} live task{}, {} worker{}",
            self.tasks.len(),
            if self.tasks.len() == 1 { "" } else { "s" },
            self.workers,
            if self.workers == 1 { "" } else { "s" },
        )?;
        let live: HashSet<TaskId> = self.tasks.iter().map(|t| t.id).collect();
        let mut children: HashMap<TaskId, Vec<&TaskInfo>> = HashMap::new();
        let mut roots = Vec::new();
        for task in &self.tasks {
            match task.parent.filter(|p| live.contains(p)) {
                Some(parent) => children.entry(parent).or_default().push(task),
                None => roots.push(task),
            }
        }
        // Depth-first, iteratively (a long spawn chain must not overflow).
        let mut stack: Vec<(usize, &TaskInfo)> = roots.into_iter().rev().map(|t| (0, t)).collect();
        while let Some((depth, task)) = stack.pop() {
            line(f, depth, task)?;
            if let Some(kids) = children.get(&task.id) {
                stack.extend(kids.iter().rev().map(|k| (depth + 1, *k)));
            }
        }
        Ok(())
    }
}
