// Operation counts of one validation, so tests can check how its work grows with the input without a clock.

export interface WorkCounter {
  /** Characters scanned and search steps taken to turn offsets into line numbers. */
  lineSteps: number;
  /** Object members and array items examined to find the node at a JSON pointer. */
  nodeVisits: number;
  /** Cells of edit-distance tables filled for "did you mean". */
  editCells: number;
}

export function newWorkCounter(): WorkCounter {
  return { lineSteps: 0, nodeVisits: 0, editCells: 0 };
}
