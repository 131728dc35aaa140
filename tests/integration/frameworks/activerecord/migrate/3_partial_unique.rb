class PartialUnique < ActiveRecord::Migration[6.1]
  def change
    remove_index :authors, :name
    add_index :authors, :name, unique: true, where: "deleted_at IS NULL", name: "authors_name_live"
  end
end
