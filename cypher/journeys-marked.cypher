// Whether any resource is still marked for relinking (a crash between a write and its relinking): asked once at
// startup, so that a clean store does not pay for planning link-journeys before it is ready.
RETURN EXISTS { MATCH (:Resource {journeyDirty: true}) } AS marked
