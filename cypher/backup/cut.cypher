// caregraph backup: the database's clock at the cut (read under the writer lock): every version stored before the cut
// has a lastUpdated at or before it, every later one after it.
RETURN toString(datetime.transaction()) AS cut
